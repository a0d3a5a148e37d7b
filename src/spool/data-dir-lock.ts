// One bridge per data_dir: two would both replay the spool and the outbox, and send every SMS twice.
//
// The lock is a Unix socket, `bridge.lock`, that the holder listens on. The kernel closes a listening socket when
// its process ends, however it ends (SIGKILL, OOM, power cut), so a left-over file is known stale at once: connecting
// to it is refused. Nothing depends on pids (in a container the bridge gets the same pid after every restart) or on
// clocks (a Raspberry Pi has no RTC and its clock jumps at boot), and nothing is written while the lock is held (no
// mtime refreshes on an SD card). It holds between processes of one machine, also in different containers sharing
// the folder; it cannot see a process on another machine sharing data_dir over a network file system.
//
// Two rules keep racing starts apart. A socket only appears under the lock's name already listening: each start
// listens on a name of its own and then hard-links it to `bridge.lock` (link fails if the name exists, atomically),
// so a refused connection always means a dead holder, never one between bind() and listen(). And a stale file is
// removed only under a short-lived `bridge.lock.takeover` folder (mkdir is atomic): between asking the file (refused)
// and removing it, no other start can remove it and bind a live socket there, since the stale file holds the name.
import { randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, rmdir, stat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { codeOf } from '../errors.js';

const lockName = 'bridge.lock';
const guardName = `${lockName}.takeover`;
/**
 * A takeover guard this old was left by a start that died during it (taking over asks a refused socket: a moment).
 * The only clock in here, and only against a crash in those moments; either direction counts, so a clock that jumped
 * at boot frees a guard left from before.
 */
const staleGuardMs = 10_000;
/** How long a start waits for another one's takeover before looking again. */
const guardWaitMs = 20;
/** Rounds of link, ask, take over; a round waits at most `guardWaitMs` unless it asks a busy holder. */
const maxRounds = 500;
/** Room in `sockaddr_un.sun_path` (108 bytes on Linux): libuv silently cuts longer socket paths. */
const maxSocketPath = 100;
/** A holder that accepts but does not answer within this is alive all the same, only busy. */
const answerTimeoutMs = 2_000;

/** Another process holds data_dir. */
export class DataDirLocked extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  /** The other process's pid as it sees itself (in another container it is that container's pid). */
  readonly pid: number | undefined;
  constructor(dataDir: string, pid: number | undefined) {
    super(`${dataDir} is used by another Alarm Mail Bridge${pid === undefined ? '' : ` (pid ${pid})`}`);
    this.name = 'DataDirLocked';
    this.pid = pid;
  }
}

export interface DataDirLock {
  /** Where the lock is: `<data_dir>/bridge.lock`. */
  readonly path: string;
  release(): Promise<void>;
}

/** Takes the lock of `dataDir` (which must exist) or throws DataDirLocked. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const ownName = `.${lockName}.${randomBytes(6).toString('hex')}`;
  // A long data_dir is reached through the open folder's descriptor, so the socket path stays short.
  const folder: FileHandle | undefined =
    Buffer.byteLength(join(dir, ownName)) > maxSocketPath && process.platform === 'linux' ? await open(dir, 'r') : undefined;
  const base = folder ? `/proc/self/fd/${folder.fd}` : dir;
  const socketPath = join(base, lockName);
  let server: Server | undefined;
  try {
    const ownPath = join(base, ownName);
    server = await listenOn(ownPath);
    if (!server) throw new Error(`cannot listen on ${join(dir, ownName)}: the name is taken`);
    const held = server;
    // Each round either takes the lock, finds a live holder, or removes one stale file; racing starts retry.
    for (let round = 0; round < maxRounds; round++) {
      if (await linkedAs(ownPath, socketPath)) {
        // The socket now lives under the lock's name alone; closing would remove only the own name (libuv), so
        // release removes the lock's name itself first. Only a dead holder's file is ever removed, so it is ours.
        await unlink(ownPath).catch(() => undefined);
        return {
          path: join(dir, lockName),
          release: async () => {
            await unlink(socketPath).catch(() => undefined);
            await new Promise<void>((done) => held.close(() => done()));
            await folder?.close();
          },
        };
      }
      const holder = await ask(socketPath);
      if (holder.alive) throw new DataDirLocked(dir, holder.pid);
      if (holder.stale) await removeStale(base);
    }
    throw new Error(`cannot take ${join(dir, lockName)}: other processes keep taking and leaving it`);
  } catch (error) {
    // Closing removes the own name (libuv unlinks the path it bound), never the lock's.
    if (server) await new Promise<void>((done) => server?.close(() => done()));
    await folder?.close();
    throw error;
  }
}

/** Links the own listening socket under the lock's name: true when taken, false when the name exists. */
async function linkedAs(ownPath: string, lockPath: string): Promise<boolean> {
  try {
    await link(ownPath, lockPath);
    return true;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    throw error;
  }
}

/** A listening server, or undefined when the name is taken (by a live holder or a stale file). */
function listenOn(path: string): Promise<Server | undefined> {
  const server = createServer((socket) => {
    // A second start that hangs up before reading the answer (it gave up, or a stranger probing) makes the write
    // fail with EPIPE or ECONNRESET; without a listener that error would end the bridge holding the lock.
    socket.on('error', () => socket.destroy());
    socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  return new Promise((resolveListen, reject) => {
    server.once('error', (error) => (codeOf(error) === 'EADDRINUSE' ? resolveListen(undefined) : reject(error)));
    server.listen(path, () => {
      server.removeAllListeners('error');
      // Past listening, the server's own errors (e.g. EMFILE on accept) do not touch the held lock.
      server.on('error', () => undefined);
      // The lock never keeps a process alive on its own.
      server.unref();
      resolveListen(server);
    });
  });
}

type Holder = { alive: true; pid: number | undefined } | { alive: false; stale: boolean };

/** Connects to the lock: accepted means a live holder (it answers with its pid); refused means stale. */
function ask(path: string): Promise<Holder> {
  return new Promise((resolveAsk, reject) => {
    const socket = createConnection(path);
    let answer = '';
    let connected = false;
    const alive = (): void => {
      socket.destroy();
      resolveAsk({ alive: true, pid: pidIn(answer) });
    };
    socket.setTimeout(answerTimeoutMs, alive);
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', alive);
    socket.on('error', (error) => {
      if (connected) return alive();
      const code = codeOf(error);
      // Refused: no process listens (ECONNREFUSED), or the file is not a socket at all (ENOTSOCK on some systems).
      if (code === 'ECONNREFUSED' || code === 'ENOTSOCK') resolveAsk({ alive: false, stale: true });
      // Gone between the failed listen and now: take it in the next round.
      else if (code === 'ENOENT') resolveAsk({ alive: false, stale: false });
      else reject(error);
    });
  });
}

function pidIn(answer: string): number | undefined {
  try {
    const { pid } = JSON.parse(answer) as { pid?: unknown };
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the stale lock file, under the takeover guard: asked again there, a file that is still refused is dead and
 * cannot have been replaced by a live one meanwhile (only a guard holder removes the file, and while it is there no
 * one can link a socket to its name). Without the guard, another start may be taking over: wait a moment.
 */
async function removeStale(base: string): Promise<void> {
  const lockPath = join(base, lockName);
  const guard = join(base, guardName);
  try {
    await mkdir(guard);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
    const age = await stat(guard).then(
      (found) => Math.abs(Date.now() - found.mtimeMs),
      () => 0,
    );
    if (age > staleGuardMs) await rmdir(guard).catch(() => undefined);
    else await new Promise((done) => setTimeout(done, guardWaitMs));
    return;
  }
  try {
    const holder = await ask(lockPath);
    if (!holder.alive && holder.stale)
      await unlink(lockPath).catch((error: unknown) => (codeOf(error) === 'ENOENT' ? undefined : Promise.reject(error)));
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}
