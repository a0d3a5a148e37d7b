// Camera snapshots under data_dir: kept by the SHA-256 of their bytes (the same picture twice is one file), written
// durably, bounded in total size and age (oldest removed first), found again after a restart by listing the folder.
// Outputs read them through ImageStore (core/images.ts); an event carries only their ImageRef.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRef, ImageStore } from '../core/images.js';
import type { MailAttachment } from '../mail/mail.js';
import { removeIfPresent, writeFileDurably } from '../spool/durable-file.js';
import { imageKindOf, type Refusal } from './image-kind.js';

export interface SnapshotLimits {
  /** A larger picture is refused (never read into more memory than the mail already holds). */
  maxImageBytes: number;
  /** The folder's total; past it the oldest pictures go. */
  maxTotalBytes: number;
  /** Older pictures go. */
  maxAgeMs: number;
}

/** Enough for days of snapshots from a few cameras on a Raspberry Pi's SD card. */
export const defaultSnapshotLimits: SnapshotLimits = { maxImageBytes: 8 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024, maxAgeMs: 7 * 24 * 3600_000 };

/** Hikvision sends up to three snapshots per event; more in one mail are not kept. */
export const maxImagesPerMail = 10;

export interface StoredImages {
  images: ImageRef[];
  /** Attachments not kept, by their (made-safe) name: what the log says. */
  refused: { name: string; reason: Refusal | 'too_many' }[];
}

interface Entry {
  file: string;
  size: number;
  storedAt: number;
}

const fileName = /^(?<sha256>[0-9a-f]{64})\.(?:jpg|png)$/u;

/** The store could not write: the mail stays in the spool and is tried again. */
export class SnapshotStoreFailed extends Error {
  readonly code = 'SnapshotStoreFailed';
}

export class SnapshotStore implements ImageStore {
  readonly #dir: string;
  readonly #limits: SnapshotLimits;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #total = 0;
  /** Writes and removals one at a time, so the total stays right. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, limits: SnapshotLimits, now: () => number) {
    this.#dir = dir;
    this.#limits = { ...limits, maxImageBytes: Math.min(limits.maxImageBytes, limits.maxTotalBytes) };
    this.#now = now;
  }

  /** Opens (creates) the folder and learns what a previous run kept; removes half-written files of a crash. */
  static async open(dir: string, limits: SnapshotLimits = defaultSnapshotLimits, now: () => number = Date.now): Promise<SnapshotStore> {
    await mkdir(dir, { recursive: true });
    const store = new SnapshotStore(dir, limits, now);
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const sha256 = fileName.exec(name)?.groups?.sha256;
      if (!sha256) {
        if (name.endsWith('.tmp')) await removeIfPresent(path);
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) store.#add(sha256, { file: name, size: info.size, storedAt: info.mtimeMs });
    }
    await store.prune();
    return store;
  }

  get totalBytes(): number {
    return this.#total;
  }

  get count(): number {
    return this.#entries.size;
  }

  /** Keeps a mail's pictures and names them for its event; throws SnapshotStoreFailed when the disk does not take them. */
  put(attachments: readonly MailAttachment[]): Promise<StoredImages> {
    return this.#serial(() => this.#put(attachments));
  }

  async read(image: ImageRef): Promise<Buffer | undefined> {
    const entry = /^[0-9a-f]{64}$/u.test(image.sha256) ? this.#entries.get(image.sha256) : undefined;
    if (!entry) return undefined;
    const bytes = await readFile(join(this.#dir, entry.file)).catch(() => undefined);
    // A file changed on disk (bit rot, a hand edit) is not the picture the event named.
    return bytes && sha256Of(bytes) === image.sha256 ? bytes : undefined;
  }

  /** Removes pictures past the age limit, then the oldest until the total fits. */
  prune(): Promise<void> {
    return this.#serial(() => this.#prune());
  }

  async #put(attachments: readonly MailAttachment[]): Promise<StoredImages> {
    const result: StoredImages = { images: [], refused: [] };
    for (const [index, attachment] of attachments.entries()) {
      const name = safeName(attachment.filename, index, attachment.contentType);
      const kind = imageKindOf(attachment, this.#limits.maxImageBytes);
      if ('refused' in kind) {
        // Attachments that are not pictures at all (a PDF report) are not worth a line; broken pictures are.
        if (kind.refused !== 'not_an_image' || attachment.contentType.startsWith('image/')) result.refused.push({ name, reason: kind.refused });
        continue;
      }
      if (result.images.length === maxImagesPerMail) {
        result.refused.push({ name, reason: 'too_many' });
        continue;
      }
      const sha256 = sha256Of(attachment.content);
      const file = `${sha256}.${kind.extension}`;
      const now = this.#now();
      try {
        if (this.#entries.has(sha256)) {
          // The same picture again: it counts as new for the age and size limits.
          await utimes(join(this.#dir, file), now / 1000, now / 1000);
          this.#entries.get(sha256)!.storedAt = now;
        } else {
          await writeFileDurably(this.#dir, file, attachment.content);
          await utimes(join(this.#dir, file), now / 1000, now / 1000);
          this.#add(sha256, { file, size: attachment.content.length, storedAt: now });
        }
      } catch (error) {
        throw new SnapshotStoreFailed(`cannot keep snapshot ${name}: ${(error as Error).message}`, { cause: error });
      }
      result.images.push({ name: name.replace(/\.[^.]*$/u, '') + `.${kind.extension}`, content_type: kind.contentType, size: attachment.content.length, sha256 });
    }
    if (result.images.length > 0) await this.#prune();
    return result;
  }

  async #prune(): Promise<void> {
    const oldestFirst = [...this.#entries].sort(([, a], [, b]) => a.storedAt - b.storedAt);
    const tooOld = this.#now() - this.#limits.maxAgeMs;
    for (const [sha256, entry] of oldestFirst) {
      if (entry.storedAt >= tooOld && this.#total <= this.#limits.maxTotalBytes) break;
      await removeIfPresent(join(this.#dir, entry.file));
      this.#entries.delete(sha256);
      this.#total -= entry.size;
    }
  }

  #add(sha256: string, entry: Entry): void {
    const old = this.#entries.get(sha256);
    if (old) this.#total -= old.size;
    this.#entries.set(sha256, entry);
    this.#total += entry.size;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The attachment's own name without folders or control characters, at most 100 characters; else `snapshot-<n>`. */
function safeName(filename: string | null, index: number, contentType: string): string {
  const base = (filename ?? '').split(/[\\/]/u).pop()!.replace(/[\p{Cc}\p{Cf}"]/gu, '').trim().slice(-100);
  return base || `snapshot-${index + 1}.${contentType.includes('png') ? 'png' : 'jpg'}`;
}
