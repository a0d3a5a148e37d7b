// Durable jobs of one output (e.g. one SMS to one number): `pending/` until a final answer, then `done/`
// with the outcome, so that a replayed event never sends again what already got a final answer.
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfPresent, writeFileDurably } from './durable-file.js';

export class JobStore<Job extends { id: string }, Done extends Job = Job> {
  readonly #pending: string;
  readonly #done: string;

  constructor(dataDir: string, outputName: string) {
    this.#pending = join(dataDir, 'outbox', outputName, 'pending');
    this.#done = join(dataDir, 'outbox', outputName, 'done');
  }

  async open(): Promise<void> {
    for (const dir of [this.#pending, this.#done]) await mkdir(dir, { recursive: true });
  }

  /** Written before the first attempt, and again whenever the job changes (attempts, next try). */
  async put(job: Job): Promise<void> {
    await writeFileDurably(this.#pending, `${job.id}.json`, JSON.stringify(job));
  }

  async pending(): Promise<Job[]> {
    return this.#readAll(this.#pending);
  }

  /** Records the final outcome first, then drops the pending job: a crash in between only leaves both. */
  async finish(done: Done): Promise<void> {
    await writeFileDurably(this.#done, `${done.id}.json`, JSON.stringify(done));
    await removeIfPresent(join(this.#pending, `${done.id}.json`));
  }

  /** True once a job with this id was ever created (pending or done). */
  async has(id: string): Promise<boolean> {
    for (const dir of [this.#pending, this.#done]) {
      if (
        await stat(join(dir, `${id}.json`)).then(
          () => true,
          () => false,
        )
      )
        return true;
    }
    return false;
  }

  /** Finished jobs changed since `sinceMs`; older ones are deleted once older than `keepMs`. */
  async doneSince(sinceMs: number, keepMs: number): Promise<Done[]> {
    const recent: Done[] = [];
    for (const name of await this.#names(this.#done)) {
      const path = join(this.#done, name);
      const { mtimeMs } = await stat(path);
      if (mtimeMs < Date.now() - keepMs) await unlink(path);
      else if (mtimeMs >= sinceMs) recent.push(JSON.parse(await readFile(path, 'utf8')) as Done);
    }
    return recent;
  }

  async #readAll(dir: string): Promise<Job[]> {
    const names = await this.#names(dir);
    return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as Job));
  }

  async #names(dir: string): Promise<string[]> {
    return (await readdir(dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  }
}
