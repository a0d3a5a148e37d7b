// A small tmpfs of its own for a test's data_dir, to fill to the last byte. Mounting needs root (CI runs as root);
// elsewhere the callers skip, saying why.
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The mount point of a fresh tmpfs of `sizeKb`, or undefined where mounting is not allowed. */
export async function mountTmpfs(sizeKb: number): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'amb-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
    return dir;
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** Unmounts (lazily, should a file still be open) and removes the mount point. */
export async function unmountTmpfs(dir: string): Promise<void> {
  await run('umount', ['-l', dir]);
  await rm(dir, { recursive: true, force: true });
}

/** Writes `path` until the file system says ENOSPC, or until only `leaveBytes` are left free. */
export async function fillUp(path: string, leaveBytes = 0): Promise<void> {
  const { bavail, bsize } = await statfs(dirname(path));
  let toWrite = leaveBytes === 0 ? Infinity : bavail * bsize - leaveBytes;
  const chunk = Buffer.alloc(64 * 1024, 1);
  const file = await open(path, 'w');
  try {
    while (toWrite > 0) {
      const { bytesWritten } = await file.write(chunk, 0, Math.min(chunk.length, toWrite));
      toWrite -= bytesWritten;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
}
