// Camera snapshots under data_dir: kept by the SHA-256 of their bytes (the same picture twice is one file), written
// whole (temp file, rename) and synced to the disk a moment later, off the event's path (a 2 MB picture costs an SD
// card 100 ms and more; a picture torn by a power cut is caught by its hash when read), bounded in total size, count and age (oldest removed first), found again after a restart by listing the
// folder. A file or the folder removed by hand is written again; a full disk costs the oldest pictures. What still
// fails is the caller's to tell: an alarm never waits behind its picture (pipeline/to-event.ts).
// Outputs read them through ImageStore (core/images.ts); an event carries only their ImageRef.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRef, ImageStore } from '../core/images.js';
import type { MailAttachment } from '../mail/mail.js';
import { removeIfPresent, syncFolder } from '../spool/durable-file.js';
import { imageKindOf, type Refusal } from './image-kind.js';

export interface SnapshotLimits {
  /** A larger picture is refused (never read into more memory than the mail already holds). */
  maxImageBytes: number;
  /** The folder's total; past it the oldest pictures go. */
  maxTotalBytes: number;
  /** Older pictures go. */
  maxAgeMs: number;
  /** At most this many files, whatever their size (each costs an inode and a directory entry). */
  maxFiles?: number;
}

/** Enough for days of snapshots from a few cameras on a Raspberry Pi's SD card. */
export const defaultSnapshotLimits: SnapshotLimits = {
  maxImageBytes: 8 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 3600_000,
  maxFiles: 2000,
};

/** A file takes whole blocks of the disk: a 200-byte picture costs 4 KiB, and the total counts what the disk gives. */
const blockBytes = 4096;
const onDisk = (bytes: number) => Math.ceil(bytes / blockBytes) * blockBytes;

/** Hikvision sends up to three snapshots per event; more in one mail are not kept. */
export const maxImagesPerMail = 10;

export interface StoredImages {
  images: ImageRef[];
  /** Attachments not kept, by their (made-safe) name: what the log says. */
  refused: { name: string; reason: Refusal | 'too_many' }[];
}

interface Entry {
  file: string;
  /** What it takes on disk, in whole blocks. */
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
  /** Oldest first: a picture stored (again) goes to the end, so pruning walks from the front without sorting. */
  readonly #entries = new Map<string, Entry>();
  #total = 0;
  /** Writes and removals one at a time, so the total stays right. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Pictures written but not yet synced to the disk, and the loop that syncs them. */
  readonly #unsynced = new Set<string>();
  #syncing: Promise<void> | undefined;

  private constructor(dir: string, limits: SnapshotLimits, now: () => number) {
    this.#dir = dir;
    this.#limits = {
      ...limits,
      maxImageBytes: Math.min(limits.maxImageBytes, limits.maxTotalBytes),
      maxFiles: limits.maxFiles ?? defaultSnapshotLimits.maxFiles!,
    };
    this.#now = now;
  }

  /** Opens (creates) the folder and learns what a previous run kept; removes half-written files of a crash. */
  static async open(dir: string, limits: SnapshotLimits = defaultSnapshotLimits, now: () => number = Date.now): Promise<SnapshotStore> {
    await mkdir(dir, { recursive: true });
    const store = new SnapshotStore(dir, limits, now);
    const found: [string, Entry][] = [];
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const sha256 = fileName.exec(name)?.groups?.sha256;
      if (!sha256) {
        if (name.endsWith('.tmp')) await removeIfPresent(path);
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) found.push([sha256, { file: name, size: onDisk(info.size), storedAt: info.mtimeMs }]);
    }
    // Sorted once here; from now on the map stays in age order.
    for (const [sha256, entry] of found.sort(([, a], [, b]) => a.storedAt - b.storedAt)) store.#add(sha256, entry);
    await store.prune();
    return store;
  }

  get totalBytes(): number {
    return this.#total;
  }

  get count(): number {
    return this.#entries.size;
  }

  /**
   * Keeps a mail's pictures and names them for its event. A picture removed by hand, or the whole folder, is written
   * again; on a full disk the oldest pictures go and the write is tried once more. Throws SnapshotStoreFailed when
   * the disk still does not take them.
   */
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
        if (kind.refused !== 'not_an_image' || attachment.contentType.startsWith('image/'))
          result.refused.push({ name, reason: kind.refused });
        continue;
      }
      if (result.images.length === maxImagesPerMail) {
        result.refused.push({ name, reason: 'too_many' });
        continue;
      }
      const sha256 = sha256Of(attachment.content);
      try {
        await this.#keep(sha256, `${sha256}.${kind.extension}`, attachment.content);
      } catch (error) {
        throw new SnapshotStoreFailed(`cannot keep snapshot ${name}: ${(error as Error).message}`, { cause: error });
      }
      result.images.push({
        name: `${name.replace(/\.[^.]*$/u, '')}.${kind.extension}`,
        content_type: kind.contentType,
        size: attachment.content.length,
        sha256,
      });
    }
    if (result.images.length > 0) await this.#prune();
    return result;
  }

  async #keep(sha256: string, file: string, content: Buffer): Promise<void> {
    const now = this.#now();
    const path = join(this.#dir, file);
    const known = this.#entries.get(sha256);
    if (known) {
      try {
        // The same picture again: it counts as new for the age and size limits.
        await utimes(path, now / 1000, now / 1000);
        this.#add(sha256, { ...known, storedAt: now });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        this.#forget(sha256); // removed by hand: written again below
      }
    }
    await this.#write(file, content).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        // The folder itself was removed: nothing in it is left either.
        for (const key of [...this.#entries.keys()]) this.#forget(key);
        await mkdir(this.#dir, { recursive: true });
      } else if (error.code === 'ENOSPC') {
        await this.#freeFor(onDisk(content.length));
      } else {
        throw error;
      }
      await this.#write(file, content);
    });
    await utimes(path, now / 1000, now / 1000);
    this.#add(sha256, { file, size: onDisk(content.length), storedAt: now });
  }

  /** Whole or not at all; a full disk fails here (the write reserves the blocks), the sync follows in the background. */
  async #write(file: string, content: Buffer): Promise<void> {
    const temp = join(this.#dir, `.${file}.tmp`);
    try {
      await writeFile(temp, content);
      await rename(temp, join(this.#dir, file));
    } catch (error) {
      await removeIfPresent(temp).catch(() => undefined);
      throw error;
    }
    this.#unsynced.add(file);
    this.#syncing ??= this.#syncAll().finally(() => (this.#syncing = undefined));
  }

  /**
   * One picture at a time, then one folder sync for all of them: a burst of camera mails must not fill libuv's
   * threads with syncs that the spool's own (a mail's 250) would queue behind. At most one name per picture waits.
   */
  async #syncAll(): Promise<void> {
    while (this.#unsynced.size > 0) {
      const files = [...this.#unsynced];
      this.#unsynced.clear();
      for (const file of files) await this.#syncFile(file).catch(() => undefined);
      await syncFolder(this.#dir).catch(() => undefined);
    }
  }

  /** A picture removed meanwhile (pruned) needs no sync; a failing disk shows in the spool's health, not here. */
  async #syncFile(file: string): Promise<void> {
    const handle = await open(join(this.#dir, file), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** The disk is full (maybe by others): the oldest quarter of our pictures, and at least this many bytes, go. */
  async #freeFor(bytes: number): Promise<void> {
    const target = Math.max(bytes, this.#total / 4);
    let freed = 0;
    for (const [sha256, entry] of this.#entries) {
      if (freed >= target) break;
      await removeIfPresent(join(this.#dir, entry.file));
      this.#forget(sha256);
      freed += entry.size;
    }
  }

  async #prune(): Promise<void> {
    const tooOld = this.#now() - this.#limits.maxAgeMs;
    for (const [sha256, entry] of this.#entries) {
      if (entry.storedAt >= tooOld && this.#total <= this.#limits.maxTotalBytes && this.#entries.size <= this.#limits.maxFiles!) break;
      await removeIfPresent(join(this.#dir, entry.file));
      this.#forget(sha256);
    }
  }

  /** Adds or moves the entry to the end: the newest. */
  #add(sha256: string, entry: Entry): void {
    this.#forget(sha256);
    this.#entries.set(sha256, entry);
    this.#total += entry.size;
  }

  #forget(sha256: string): void {
    const old = this.#entries.get(sha256);
    if (!old) return;
    this.#entries.delete(sha256);
    this.#total -= old.size;
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
  const base = (filename ?? '')
    .split(/[\\/]/u)
    .pop()!
    .replace(/[\p{Cc}\p{Cf}"]/gu, '')
    .trim()
    .slice(-100);
  return base || `snapshot-${index + 1}.${contentType.includes('png') ? 'png' : 'jpg'}`;
}
