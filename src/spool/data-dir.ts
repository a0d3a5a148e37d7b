// data_dir made ready before anything is stored in it: created, a folder, writable; or one clear reason why not.
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { codeOf, oneLine } from '../errors.js';

/** data_dir cannot hold the spool; the message is the reason in one line (main adds the setting and the advice). */
export class DataDirUnusable extends Error {
  /** The system's error code (ENOTDIR, EACCES, …) when the system gave one. */
  readonly code: string | undefined;
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'DataDirUnusable';
    this.code = codeOf(options?.cause);
  }
}

/** Creates `dataDir` and its parents, and proves it takes files; throws DataDirUnusable saying why not. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  const path = resolve(dataDir);
  try {
    await makeFolders(path);
  } catch (error) {
    throw new DataDirUnusable(cannotCreate(error), { cause: error });
  }
  const found = await stat(path).catch((error: unknown) => {
    // The name exists (mkdir said EEXIST) but stat cannot follow it: a link to nothing.
    throw new DataDirUnusable(`${path} is a link to something that does not exist (${codeOf(error) ?? oneLine(error)})`, { cause: error });
  });
  if (!found.isDirectory()) throw new DataDirUnusable(`${path} is a file, not a folder`);
  const probe = join(path, `.write-test-${process.pid}`);
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new DataDirUnusable(`${path} is not writable (${codeOf(error) ?? oneLine(error)})`, { cause: error });
  }
}

/**
 * `mkdir -p` that gives up instead of spinning. Node's own `mkdir(…, { recursive: true })` loops forever at full CPU
 * when a parent exists but mkdir in it still says ENOENT (under /proc, or through a link to nothing): it reads ENOENT
 * as "parent missing", finds the parent (EEXIST), and tries the child again, for ever (nodejs/node, as of v20/v22).
 * Here each folder is tried at most twice: once, and once more after its parent was made.
 */
async function makeFolders(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return;
    if (codeOf(error) !== 'ENOENT' || dirname(path) === path) throw error;
  }
  await makeFolders(dirname(path));
  try {
    await mkdir(path);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
  }
}

function cannotCreate(error: unknown): string {
  const path = (error as NodeJS.ErrnoException).path ?? '';
  switch (codeOf(error)) {
    case 'ENOENT':
      return `cannot be created: ${dirname(path)} exists but cannot hold folders (ENOENT: /proc or /sys, or a link to nothing)`;
    case 'ENOTDIR':
      return `cannot be created: a part of ${path} is a file, not a folder (ENOTDIR)`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `cannot be created: ${dirname(path)} is not writable (${codeOf(error)})`;
    default:
      return `cannot be created: ${oneLine(error)}`;
  }
}
