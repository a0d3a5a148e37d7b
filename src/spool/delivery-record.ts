// Which outputs already have the event of a mail still in the spool, so that a replay after a crash gives the event
// only to the outputs that lack it (Home Assistant's event entity would fire twice otherwise).
//
// One line `<mail id> <output>` per delivery, appended to `spool/delivered.log` with a plain write and no fsync: the
// line is in the kernel once write() returns, so it survives the process dying (kill -9, a crash, the OOM killer)
// at no cost to the mail path. A power cut may lose the last lines; that only costs the replay it always did.
// The file holds lines of pending mails only after each start, and is emptied or compacted as mails retire, so it
// stays within `compactAfterLines` lines plus the pending mails' deliveries. It is open only while some mail is
// pending: an idle bridge holds no file open for writing (a read-only remount of data_dir would fail with EBUSY).
import { closeSync, ftruncateSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { codeOf } from '../errors.js';

/** Past this many lines written the file is rewritten with the lines of pending mails only. */
const compactAfterLines = 10_000;

export class DeliveryRecord {
  readonly #path: string;
  readonly #compactAfterLines: number;
  #fd: number | undefined;
  readonly #byMail = new Map<string, Set<string>>();
  #lines = 0;

  constructor(path: string, { compactAfterLines: limit = compactAfterLines }: { compactAfterLines?: number } = {}) {
    this.#path = path;
    this.#compactAfterLines = limit;
  }

  /** Reads what a previous run recorded for the mails still pending, and keeps only that. */
  async open(pending: readonly string[]): Promise<void> {
    this.close();
    this.#byMail.clear();
    const wanted = new Set(pending);
    const text = await readFile(this.#path, 'latin1').catch((error: unknown) => (codeOf(error) === 'ENOENT' ? '' : Promise.reject(error)));
    const lines = text.split('\n');
    lines.pop(); // after the last newline: nothing, or a line a crash cut short
    for (const line of lines) {
      const [id, output, ...rest] = line.split(' ');
      if (id && output && rest.length === 0 && wanted.has(id)) this.#deliveredSet(id).add(output);
    }
    try {
      this.#rewrite();
    } catch {
      // A full disk must not stop the start: the file stays as it is and is appended to.
    }
  }

  /** The outputs that already have this mail's event. */
  deliveredTo(id: string): ReadonlySet<string> {
    return this.#byMail.get(id) ?? new Set();
  }

  /** `output` has the event of mail `id`. A failed write (a full disk) only loses the record, never the mail. */
  record(id: string, output: string): boolean {
    this.#deliveredSet(id).add(output);
    try {
      this.#fd ??= openSync(this.#path, 'a');
      writeSync(this.#fd, `${id} ${output}\n`);
      this.#lines++;
      return true;
    } catch {
      return false;
    }
  }

  /** The mail left the spool: its lines are no longer needed. */
  forget(id: string): void {
    if (!this.#byMail.delete(id) || this.#fd === undefined) return;
    try {
      if (this.#byMail.size === 0) {
        ftruncateSync(this.#fd, 0);
        this.#lines = 0;
        this.close();
      } else if (this.#lines >= this.#compactAfterLines) {
        this.#rewrite();
      }
    } catch {
      // Kept as it is: a longer file is read at the next start, nothing else.
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #deliveredSet(id: string): Set<string> {
    let outputs = this.#byMail.get(id);
    if (!outputs) this.#byMail.set(id, (outputs = new Set()));
    return outputs;
  }

  /** Replaces the file with the lines still needed (rename: the old file or the new one, never a mix) and appends from there. */
  #rewrite(): void {
    const lines = [...this.#byMail].flatMap(([id, outputs]) => [...outputs].map((output) => `${id} ${output}\n`));
    const temp = `${this.#path}.tmp`;
    writeFileSync(temp, lines.join(''));
    renameSync(temp, this.#path);
    this.close();
    this.#lines = lines.length;
  }
}
