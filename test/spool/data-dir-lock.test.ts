// The data_dir lock: held while the holder lives, free as soon as it dies however it dies, never stuck on a pid.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataDirLocked, lockDataDir } from '../../src/spool/data-dir-lock.js';

/** A real holder of the lock in another process: it takes the lock, says so, and runs until it is killed. */
async function lockHolder(dataDir: string) {
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
      const { lockDataDir } = await import(${JSON.stringify(new URL('../../src/spool/data-dir-lock.ts', import.meta.url).href)});
      await lockDataDir(${JSON.stringify(dataDir)});
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(holder, 'exit');
  await once(holder.stdout, 'data');
  return { holder, exited };
}

describe('lockDataDir', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-lock-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  async function folder(name: string): Promise<string> {
    const path = join(dir, name);
    await mkdir(path, { recursive: true });
    return path;
  }

  it('refuses a second holder with the first one pid, and is free again after release', async () => {
    const dataDir = await folder('twice');
    const lock = await lockDataDir(dataDir);
    const error = await lockDataDir(dataDir).then(
      () => assert.fail('second lock taken'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof DataDirLocked);
    assert.equal(error.pid, process.pid);
    await lock.release();
    assert.equal(existsSync(lock.path), false, 'a clean release leaves nothing behind');
    await (await lockDataDir(dataDir)).release();
  });

  it('takes over the lock of a process that was killed with SIGKILL', async () => {
    const dataDir = await folder('killed');
    // A real holder in another process, killed without any chance to clean up.
    const { holder, exited } = await lockHolder(dataDir);
    try {
      await assert.rejects(lockDataDir(dataDir), (error: unknown) => error instanceof DataDirLocked && error.pid === holder.pid);
    } finally {
      // Also when the assertion fails: the holder never ends by itself.
      holder.kill('SIGKILL');
      await exited;
    }
    assert.ok(lstatSync(join(dataDir, 'bridge.lock')).isSocket(), 'the dead holder left its socket file');
    const lock = await lockDataDir(dataDir);
    await lock.release();
  });

  it('survives clients that hang up on the lock at once: the holder lives on and still answers', async () => {
    const dataDir = await folder('hang-up');
    const { holder, exited } = await lockHolder(dataDir);
    try {
      // Connect and hang up at once, so the holder's answer hits a closed socket (EPIPE).
      for (let round = 0; round < 30; round++) {
        await new Promise<void>((done) => {
          const socket = createConnection(join(dataDir, 'bridge.lock'));
          socket.on('connect', () => {
            socket.destroy();
            done();
          });
          socket.on('error', () => done());
        });
      }
      await assert.rejects(lockDataDir(dataDir), (error: unknown) => error instanceof DataDirLocked && error.pid === holder.pid);
      assert.equal(holder.exitCode, null, 'the holder is still running');
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
  });

  it('is not fooled by pids: a left-over file whose pid is alive (even our own) does not block', async () => {
    const dataDir = await folder('pid');
    await writeFile(join(dataDir, 'bridge.lock'), JSON.stringify({ pid: process.pid }));
    const lock = await lockDataDir(dataDir);
    await lock.release();
  });

  it('keeps the lock in data_dir when the path is longer than a Unix socket path may be', async () => {
    const dataDir = await folder(join('l'.repeat(60), 'o'.repeat(60)));
    const lock = await lockDataDir(dataDir);
    assert.ok(lstatSync(join(dataDir, 'bridge.lock')).isSocket(), 'not at a cut-off path');
    await assert.rejects(lockDataDir(dataDir), DataDirLocked);
    await lock.release();
    assert.equal(existsSync(join(dataDir, 'bridge.lock')), false);
  });

  it('lets exactly one of many racing starts take a stale lock', async () => {
    const dataDir = await folder('race');
    await writeFile(join(dataDir, 'bridge.lock'), 'stale');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dataDir)));
    const taken = results.filter((result) => result.status === 'fulfilled');
    assert.equal(
      taken.length,
      1,
      JSON.stringify(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'taken'))),
    );
    for (const result of results) if (result.status === 'rejected') assert.ok(result.reason instanceof DataDirLocked);
    await taken[0]?.value.release();
  });

  it('lets exactly one take a stale lock in every one of many rounds, and leaves nothing but the lock behind', async () => {
    const dataDir = await folder('rounds');
    for (let round = 0; round < 20; round++) {
      await writeFile(join(dataDir, 'bridge.lock'), 'stale');
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => lockDataDir(dataDir)));
      const taken = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      assert.equal(
        taken.length,
        1,
        `round ${round}: ${results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'taken')).join(', ')}`,
      );
      assert.deepEqual(await readdir(dataDir), ['bridge.lock'], 'no own names or takeover guard left');
      await taken[0]?.release();
    }
  });

  it('never removes a live holder: racing starts against a held lock all fail and the holder still answers', async () => {
    const dataDir = await folder('live');
    const lock = await lockDataDir(dataDir);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dataDir)));
    for (const result of results) assert.ok(result.status === 'rejected' && result.reason instanceof DataDirLocked);
    await assert.rejects(lockDataDir(dataDir), (error: unknown) => error instanceof DataDirLocked && error.pid === process.pid);
    await lock.release();
  });

  it('is not stopped by a takeover guard that a crashed start left, however the clock jumped', async () => {
    for (const [name, seconds] of [
      ['guard-old', -3600],
      ['guard-future', 3600],
    ] as const) {
      const dataDir = await folder(name);
      await writeFile(join(dataDir, 'bridge.lock'), 'stale');
      await mkdir(join(dataDir, 'bridge.lock.takeover'));
      const when = new Date(Date.now() + seconds * 1000);
      await utimes(join(dataDir, 'bridge.lock.takeover'), when, when);
      const lock = await lockDataDir(dataDir);
      assert.deepEqual(await readdir(dataDir), ['bridge.lock']);
      await lock.release();
    }
  });
});
