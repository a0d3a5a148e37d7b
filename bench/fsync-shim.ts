// The fsync shim of the benchmark (bench/fsync-delay.c), built with the machine's `cc` into a temp folder once per
// run: a process started with its environment has every fsync/fdatasync delayed (SD card mode) and counted.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SyncCounts {
  file: number;
  folder: number;
}

/** Syncs counted in one folder of counts: one file per process of the tree started with it. */
export class SyncCounter {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async read(): Promise<SyncCounts> {
    const counts = { file: 0, folder: 0 };
    for (const name of await readdir(this.dir)) {
      const [file, folder] = (await readFile(join(this.dir, name), 'utf8')).trim().split(/\s+/).map(Number);
      counts.file += file ?? 0;
      counts.folder += folder ?? 0;
    }
    return counts;
  }
}

export class FsyncShim {
  readonly #library: string;
  readonly #dir: string;
  readonly delayMs: number;
  #counters = 0;

  private constructor(dir: string, delayMs: number) {
    this.#dir = dir;
    this.#library = join(dir, 'fsync-delay.so');
    this.delayMs = delayMs;
  }

  /** Compiles the shim; rejects with the compiler's message if there is no `cc` or it fails. */
  static async build(delayMs: number): Promise<FsyncShim> {
    const dir = await mkdtemp(join(tmpdir(), 'amb-bench-shim-'));
    const shim = new FsyncShim(dir, delayMs);
    const source = new URL('fsync-delay.c', import.meta.url).pathname;
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-O2', '-o', shim.#library, source, '-ldl']);
    return shim;
  }

  /** The environment for one process (tree) under the shim, and the counter that reads its syncs. */
  async environment(base: NodeJS.ProcessEnv = process.env): Promise<{ env: NodeJS.ProcessEnv; counter: SyncCounter }> {
    const counter = new SyncCounter(join(this.#dir, `counts-${this.#counters++}`));
    await mkdir(counter.dir);
    const preload = [base.LD_PRELOAD, this.#library].filter(Boolean).join(':');
    return {
      env: { ...base, LD_PRELOAD: preload, FSYNC_DELAY_MS: String(this.delayMs), FSYNC_COUNT_DIR: counter.dir },
      counter,
    };
  }

  async remove(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }
}
