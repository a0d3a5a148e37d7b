// The files under `spool/bodies/` for bodies over the in-memory limit. They are created ahead, a few at a time with
// one folder sync for all of them, so a big record's file name is durable before its bytes are written: its commit
// then costs the body's fsync and a share of the journal's fdatasync, no folder sync of its own. Never reused: a
// retired record's file goes, so a journal entry never names a file holding another record's body.
import { randomUUID } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfPresent } from './durable-file.js';
import { FolderSync } from './folder-sync.js';

/** Files created at once when none is left: at most this many wait empty. */
const spareBatch = 8;

export class BodyFiles {
  readonly dir: string;
  #spares: string[] = [];
  #refill: Promise<void> | undefined;
  #folder: FolderSync | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Removes every file no pending record names (bodies never committed, spares of the last run). */
  async open(named: ReadonlySet<string>): Promise<void> {
    await this.close();
    for (const name of await readdir(this.dir)) if (!named.has(name)) await removeIfPresent(join(this.dir, name));
    this.#folder = await FolderSync.open(this.dir);
  }

  async close(): Promise<void> {
    await this.#refill?.catch(() => undefined);
    await this.#folder?.close();
    this.#folder = undefined;
    this.#spares = [];
  }

  /** The name of an empty file whose name is durable, for one body. */
  async take(): Promise<string> {
    for (;;) {
      const spare = this.#spares.pop();
      if (spare) return spare;
      this.#refill ??= this.#create().finally(() => {
        this.#refill = undefined;
      });
      await this.#refill;
    }
  }

  /** A body's file, no longer needed (its record retired, or never committed). */
  remove(name: string): Promise<void> {
    return removeIfPresent(join(this.dir, name));
  }

  async #create(): Promise<void> {
    const folder = this.#folder;
    if (!folder) throw new Error('the spool is not open');
    const names = Array.from({ length: spareBatch }, () => `${randomUUID()}.body`);
    try {
      for (const name of names) await (await open(join(this.dir, name), 'wx')).close();
      await folder.sync();
    } catch (error) {
      for (const name of names) await removeIfPresent(join(this.dir, name)).catch(() => undefined);
      throw error;
    }
    this.#spares.push(...names);
  }
}
