// Mails that could not be parsed, kept in data_dir/quarantine/ for a human to look at, each with the reason beside
// it (`<id>.reason`). Bounded in count, total size and age, oldest removed first, and it gives up its oldest mails
// when data_dir runs short of space: hostile mail must not fill the disk until the panel's alarm is refused.
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus } from '../core/bus.js';
import { removeIfPresent, renameDurably, writeSynced } from './durable-file.js';

export interface QuarantineLimits {
  /** At most this many mails; past it the oldest go. */
  maxMails: number;
  /** All mails (and their reasons) together; past it the oldest go. */
  maxTotalBytes: number;
  /** Older mails go. */
  maxAgeMs: number;
}

/**
 * Enough to look at a few weeks of broken mails from a misconfigured sender, little enough for a Raspberry Pi's SD
 * card or an HA Green: 100 mails, 50 MB, 30 days.
 */
export const defaultQuarantineLimits: QuarantineLimits = { maxMails: 100, maxTotalBytes: 50 * 1024 * 1024, maxAgeMs: 30 * 24 * 3600_000 };

/** A reason is one line of mailparser's; a longer one is cut, so the sidecars and the list stay small. */
const maxReasonLength = 1000;

/** One mail in quarantine, as the status page shows it. */
export interface QuarantinedMail {
  id: string;
  /** The spool file's size (envelope line and raw message) plus its reason's. */
  bytes: number;
  /** When it was moved to quarantine (ms since the epoch; after a restart, the file's modification time). */
  quarantinedAt: number;
  /** Why it could not be parsed; undefined when not recorded (a quarantine of an older version). */
  reason: string | undefined;
}

/** Why a quarantined mail was removed. */
export type QuarantineRemovalCause = 'age' | 'count' | 'size' | 'space' | 'retried';

export interface QuarantineRemoval {
  id: string;
  bytes: number;
  why: QuarantineRemovalCause;
}

export interface QuarantineOptions {
  limits?: QuarantineLimits;
  /** Wall clock in ms, for the age limit; tests move it. */
  now?: () => number;
  /** Told of each mail removed, for the log. */
  onRemoved?: (removal: QuarantineRemoval) => void;
  /** Told the quarantine's count and size after each mail moved in or removed (`quarantine`), for observers. */
  bus?: Bus;
  /** Bytes data_dir lacks for its reserve of free space (0 when there is enough); read afresh on each call. */
  shortfall?: () => Promise<number>;
}

/** Every `.eml` counts, also one put there by hand: the bounds are about the disk. */
const mailFile = /^(?<id>.+)\.eml$/u;

export class Quarantine {
  readonly #dir: string;
  readonly #limits: QuarantineLimits;
  readonly #now: () => number;
  readonly #onRemoved: (removal: QuarantineRemoval) => void;
  readonly #bus: Bus | undefined;
  readonly #shortfall: (() => Promise<number>) | undefined;
  /** Oldest first: a mail quarantined now goes to the end, so pruning walks from the front. */
  readonly #mails = new Map<string, QuarantinedMail>();
  #total = 0;
  /** Moves and removals one at a time, so the total stays right. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    dir: string,
    { limits = defaultQuarantineLimits, now = Date.now, onRemoved = () => undefined, shortfall, bus }: QuarantineOptions = {},
  ) {
    this.#dir = dir;
    this.#limits = limits;
    this.#now = now;
    this.#onRemoved = onRemoved;
    this.#bus = bus;
    this.#shortfall = shortfall;
  }

  /** Creates the folder, learns what a previous run kept, and removes what is past the bounds. */
  open(): Promise<void> {
    return this.#serial(async () => {
      await mkdir(this.#dir, { recursive: true });
      this.#mails.clear();
      this.#total = 0;
      const names = new Set(await readdir(this.#dir));
      const found: QuarantinedMail[] = [];
      for (const name of names) {
        const id = mailFile.exec(name)?.groups?.id;
        if (!id) {
          // A reason without its mail (a crash between the two, or the mail removed by hand) tells nothing.
          const orphan = name.endsWith('.reason') && !names.has(`${name.slice(0, -'.reason'.length)}.eml`);
          if (orphan || name.endsWith('.tmp')) await removeIfPresent(join(this.#dir, name));
          continue;
        }
        const info = await stat(join(this.#dir, name)).catch(() => undefined);
        if (!info?.isFile()) continue;
        const reason = names.has(`${id}.reason`)
          ? await readFile(join(this.#dir, `${id}.reason`), 'utf8').catch(() => undefined)
          : undefined;
        found.push({ id, bytes: info.size + Buffer.byteLength(reason ?? ''), quarantinedAt: info.mtimeMs, reason });
      }
      // Sorted once here; from now on the map stays in age order.
      for (const mail of found.sort((a, b) => a.quarantinedAt - b.quarantinedAt || (a.id < b.id ? -1 : 1))) this.#add(mail);
      await this.#prune();
    });
  }

  /**
   * Keeps record `id` as `data` (its file's format: header line, then body), durable before it counts, its reason
   * beside it, then removes what is past the bounds (this one too, when it alone is larger than `maxTotalBytes`).
   */
  admit(data: Buffer, id: string, reason?: string): Promise<void> {
    return this.#serial(async () => {
      const temp = join(this.#dir, `.${id}.eml.tmp`);
      try {
        await writeSynced(temp, data);
        await this.#moveIn(temp, id, reason);
      } finally {
        await removeIfPresent(temp).catch(() => undefined);
      }
    });
  }

  /** Moves the file `from` in as record `id`, its reason beside it. */
  async #moveIn(from: string, id: string, reason: string | undefined): Promise<void> {
    const cleaned = reason === undefined ? undefined : reason.replace(/\s+/gu, ' ').slice(0, maxReasonLength);
    // The reason is only for reading: not fsynced, and a full disk or a crash may cost it, never the mail.
    const reasonPath = join(this.#dir, `${id}.reason`);
    const text =
      cleaned === undefined
        ? undefined
        : await writeFile(reasonPath, cleaned).then(
            () => cleaned,
            () =>
              removeIfPresent(reasonPath).then(
                () => undefined,
                () => undefined,
              ),
          );
    const path = join(this.#dir, `${id}.eml`);
    try {
      await renameDurably(from, path, this.#dir);
    } catch (error) {
      if (text !== undefined) await removeIfPresent(reasonPath).catch(() => undefined);
      throw error;
    }
    // Age counts from now, not from when the mail was received: the clock of a Pi without a clock chip may have
    // been wrong then.
    const now = this.#now();
    await utimes(path, now / 1000, now / 1000);
    const { size } = await stat(path);
    this.#forget(id); // the same id again (a replay after a crash between rename and retire): counted once
    this.#add({ id, bytes: size + Buffer.byteLength(text ?? ''), quarantinedAt: now, reason: text });
    // Before the bounds may remove it again: an observer counts it in, then out.
    this.#bus?.emit('quarantine', { count: this.count, totalBytes: this.#total, added: { id, reason: text } });
    await this.#prune();
  }

  /** Gives up the oldest mails until data_dir has its reserve of free space again, or nothing is left. */
  makeRoom(): Promise<void> {
    return this.#serial(() => this.#makeRoom());
  }

  /** A kept mail's file as stored (its record's header line, then its body); undefined when it is not kept. */
  async read(id: string): Promise<Buffer | undefined> {
    if (!this.#mails.has(id)) return undefined;
    return readFile(join(this.#dir, `${id}.eml`)).catch(() => undefined);
  }

  /** Removes a kept mail that was put back into the spool. */
  release(id: string): Promise<void> {
    return this.#serial(async () => {
      const mail = this.#mails.get(id);
      if (mail) await this.#remove(mail, 'retried');
    });
  }

  /** The mails kept, oldest first. */
  list(): QuarantinedMail[] {
    return [...this.#mails.values()].map((mail) => ({ ...mail }));
  }

  get count(): number {
    return this.#mails.size;
  }

  get totalBytes(): number {
    return this.#total;
  }

  async #prune(): Promise<void> {
    const oldestAllowed = this.#now() - this.#limits.maxAgeMs;
    for (const mail of this.#mails.values()) {
      if (mail.quarantinedAt >= oldestAllowed) break;
      await this.#remove(mail, 'age');
    }
    for (const mail of this.#mails.values()) {
      if (this.#mails.size <= this.#limits.maxMails) break;
      await this.#remove(mail, 'count');
    }
    for (const mail of this.#mails.values()) {
      if (this.#total <= this.#limits.maxTotalBytes) break;
      await this.#remove(mail, 'size');
    }
    await this.#makeRoom();
  }

  async #makeRoom(): Promise<void> {
    if (!this.#shortfall || this.#mails.size === 0) return;
    // Space that cannot be read costs no mail; the reserve's own reading says so in the log.
    let wanted = await this.#shortfall().catch(() => 0);
    for (const mail of this.#mails.values()) {
      if (wanted <= 0) break;
      await this.#remove(mail, 'space');
      wanted -= mail.bytes;
    }
  }

  async #remove(mail: QuarantinedMail, why: QuarantineRemovalCause): Promise<void> {
    await removeIfPresent(join(this.#dir, `${mail.id}.eml`));
    await removeIfPresent(join(this.#dir, `${mail.id}.reason`));
    this.#forget(mail.id);
    this.#onRemoved({ id: mail.id, bytes: mail.bytes, why });
    this.#bus?.emit('quarantine', { count: this.count, totalBytes: this.#total, removed: { id: mail.id, why } });
  }

  #add(mail: QuarantinedMail): void {
    this.#mails.set(mail.id, mail);
    this.#total += mail.bytes;
  }

  #forget(id: string): void {
    const mail = this.#mails.get(id);
    if (!mail) return;
    this.#mails.delete(id);
    this.#total -= mail.bytes;
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
