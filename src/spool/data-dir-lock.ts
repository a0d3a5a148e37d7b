// One bridge per data_dir: two would both replay the spool and the outbox, and send every SMS twice.
//
// The lock is a Unix socket, `bridge.lock`, that the holder listens on. The kernel closes a listening socket when
// its process ends, however it ends (SIGKILL, OOM, power cut), so a left-over file is known stale at once: connecting
// to it is refused. Nothing depends on pids (in a container the bridge gets the same pid after every restart) or on
// clocks (a Raspberry Pi has no RTC and its clock jumps at boot), and nothing is written while the lock is held (no
// mtime refreshes on an SD card). It holds between processes of one machine, also in different containers sharing
// the folder; it cannot see a process on another machine sharing data_dir over a network file system.
import { randomUUID } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { codeOf } from '../errors.js';

const lockName = 'bridge.lock';
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
  // A long data_dir is reached through the open folder's descriptor, so the socket path stays short.
  const folder: FileHandle | undefined = Buffer.byteLength(join(dir, lockName)) > maxSocketPath && process.platform === 'linux' ? await open(dir, 'r') : undefined;
  const base = folder ? `/proc/self/fd/${folder.fd}` : dir;
  const socketPath = join(base, lockName);
  try {
    // Each round either takes the lock, finds a live holder, or removes one stale file; racing starts retry.
    for (let round = 0; round < 10; round++) {
      const server = await listenOn(socketPath);
      if (server) {
        return {
          path: join(dir, lockName),
          release: async () => {
            // Closing unlinks the socket file (libuv), so a clean stop leaves nothing behind.
            await new Promise<void>((done) => server.close(() => done()));
            await folder?.close();
          },
        };
      }
      const holder = await ask(socketPath);
      if (holder.alive) throw new DataDirLocked(dir, holder.pid);
      if (holder.stale) await removeStale(dir, base);
    }
    throw new Error(`cannot take ${join(dir, lockName)}: other processes keep taking and leaving it`);
  } catch (error) {
    await folder?.close();
    throw error;
  }
}

/** A listening server, or undefined when the name is taken (by a live holder or a stale file). */
function listenOn(path: string): Promise<Server | undefined> {
  const server = createServer((socket) => socket.end(`${JSON.stringify({ pid: process.pid })}\n`));
  return new Promise((resolveListen, reject) => {
    server.once('error', (error) => (codeOf(error) === 'EADDRINUSE' ? resolveListen(undefined) : reject(error)));
    server.listen(path, () => {
      server.removeAllListeners('error');
      // A client that goes away mid-answer is no concern of the holder's.
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
 * Removes a stale lock without removing a live one that a racing start took meanwhile: the file is first renamed
 * to a name of our own and asked again there; a live one is put back under its name.
 */
async function removeStale(dir: string, base: string): Promise<void> {
  const lockPath = join(base, lockName);
  const aside = join(base, `.${lockName}.${randomUUID()}`);
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw error;
  }
  const holder = await ask(aside);
  if (!holder.alive) return unlink(aside).catch(() => undefined);
  await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  throw new DataDirLocked(dir, holder.pid);
}
