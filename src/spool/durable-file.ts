// Durable writes: temp file, fsync, rename, fsync the folder. After it returns, a crash keeps the file.
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `data` to `dir/name` so that it is either wholly there after a crash or not at all. */
export async function writeFileDurably(dir: string, name: string, data: Buffer | string): Promise<void> {
  const temp = join(dir, `.${name}.tmp`);
  await writeSynced(temp, data);
  await renameDurably(temp, join(dir, name), dir);
}

/** Writes `data` to `path` and syncs it: its bytes are on disk, its name only once its folder is synced too. */
export async function writeSynced(path: string, data: Buffer | string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Renames within `dir` and makes the new name survive a crash (the rename lives in the folder). */
export async function renameDurably(from: string, to: string, dir: string): Promise<void> {
  await rename(from, to);
  await syncFolder(dir);
}

export async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
