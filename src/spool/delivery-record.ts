// Which outputs already have the event of a mail still in the spool, so that a replay after a crash gives the event
// only to the outputs that lack it (Home Assistant's event entity would fire twice otherwise).
//
// One line `<mail id> <output>` per delivery, appended to `spool/delivered.log` with a plain write and no fsync: the
// line is in the kernel once write() returns, so it survives the process dying (kill -9, a crash, the OOM killer)
// at no cost to the mail path. A power cut may lose the last lines; that only costs the replay it always did.
// The file holds lines of pending mails only after each start, and is emptied or compacted as mails retire, so it
// stays within `compactAfterLines` lines plus the pending mails' deliveries. It is open only while some mail is
// pending: an idle bridge holds no file open for writing (a read-only remount of data_dir would fail with EBUSY).
// Writes run one after another off the event loop; one that fails (a full disk) costs that record, never the mail.
import { type FileHandle, open, readFile, rename, writeFile } from 'node:fs/promises';
import { codeOf } from '../errors.js';

/** Past this many lines written the file is rewritten with the lines of pending mails only. */
const compactAfterLines = 10_000;

export class DeliveryRecord {
  readonly #path: string;
  readonly #compactAfterLines: number;
  readonly #byMail = new Map<string, Set<string>>();
  #file: FileHandle | undefined;
  #lines = 0;
  /** The file's steps, in the order they were asked for. */
  #steps: Promise<void> = Promise.resolve();
  #closed = true;

  constructor(path: string, { compactAfterLines: limit = compactAfterLines }: { compactAfterLines?: number } = {}) {
    this.#path = path;
    this.#compactAfterLines = limit;
  }

  /** Reads what a previous run recorded for the mails still pending, and keeps only that. */
  async open(pending: readonly string[]): Promise<void> {
    await this.close();
    this.#byMail.clear();
    const wanted = new Set(pending);
    const text = await readFile(this.#path, 'latin1').catch((error: unknown) => (codeOf(error) === 'ENOENT' ? '' : Promise.reject(error)));
    const lines = text.split('\n');
    lines.pop(); // after the last newline: nothing, or a line a crash cut short
    for (const line of lines) {
      const [id, output, ...rest] = line.split(' ');
      if (id && output && rest.length === 0 && wanted.has(id)) this.#deliveredSet(id).add(output);
    }
    this.#closed = false;
    // A full disk must not stop the start: the file then stays as it is and is appended to.
    await this.#rewrite().catch(() => undefined);
  }

  /** The outputs that already have this mail's event. */
  deliveredTo(id: string): ReadonlySet<string> {
    return this.#byMail.get(id) ?? new Set();
  }

  /** `output` has the event of mail `id`; the line is written in the background. */
  record(id: string, output: string): void {
    this.#deliveredSet(id).add(output);
    this.#step(async () => {
      this.#file ??= await open(this.#path, 'a');
      await this.#file.write(`${id} ${output}\n`);
      this.#lines++;
    });
  }

  /** The mail left the spool: its lines are no longer needed. */
  forget(id: string): void {
    if (!this.#byMail.delete(id)) return;
    this.#step(async () => {
      // Looked at when the step runs: a mail recorded meanwhile keeps the file as it is.
      if (this.#byMail.size === 0) {
        if (this.#lines > 0) await (this.#file ? this.#file.truncate(0) : writeFile(this.#path, ''));
        this.#lines = 0;
        await this.#closeFile();
      } else if (this.#lines >= this.#compactAfterLines) {
        await this.#rewrite();
      }
    });
  }

  /** Waits for the writes asked for so far. */
  flush(): Promise<void> {
    return this.#steps;
  }

  /** Writes what was asked for, then closes the file; later records are kept in memory only. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#steps;
    await this.#closeFile();
  }

  #step(step: () => Promise<void>): void {
    if (this.#closed) return;
    // A step that fails (a full disk, a file removed by hand) loses its record or its clean-up, nothing else.
    this.#steps = this.#steps.then(step).catch(() => undefined);
  }

  #deliveredSet(id: string): Set<string> {
    const known = this.#byMail.get(id);
    if (known) return known;
    const outputs = new Set<string>();
    this.#byMail.set(id, outputs);
    return outputs;
  }

  /** Replaces the file with the lines still needed (rename: the old file or the new one, never a mix). */
  async #rewrite(): Promise<void> {
    const lines = [...this.#byMail].flatMap(([id, outputs]) => [...outputs].map((output) => `${id} ${output}\n`));
    const temp = `${this.#path}.tmp`;
    await writeFile(temp, lines.join(''));
    await rename(temp, this.#path);
    await this.#closeFile();
    this.#lines = lines.length;
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }
}
