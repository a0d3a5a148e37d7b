// The journal's one writer (group commit): entries queue up while a write and its fdatasync run; the next batch takes
// all of them, writes them with one writev and, if any needs to be durable, makes them durable with ONE fdatasync.
// A batch that cannot be written or synced (ENOSPC, EIO, EROFS) is cut off the file again, so nothing unacknowledged
// stays in front of later entries. The segment file is open only while there is something to write: an idle bridge
// holds no file open for writing (a read-only remount of data_dir fails with EBUSY otherwise).
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf } from '../errors.js';
import { syncFolder } from './durable-file.js';
import { encodeEntry, type JournalEntry } from './journal-file.js';

/** Where an entry was written. */
export interface EntryLocation {
  segment: number;
  offset: number;
  /** Header and payload. */
  length: number;
}

interface Queued {
  entry: JournalEntry;
  /** A commit: resolved only after an fdatasync that covers it. Others are resolved once written (in the kernel). */
  durable: boolean;
  resolve(location: EntryLocation): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Past this size the next batch starts a new segment. */
  segmentBytes: number;
  /** The entries a new segment begins with (what must outlive the older segments); written in the same batch. */
  segmentOpening: () => JournalEntry[];
  /** Told after each fdatasync how many durable entries it carried (bench, tests). */
  onSynced?: (durableEntries: number) => void;
}

export function segmentName(segment: number): string {
  return `${String(segment).padStart(10, '0')}.log`;
}

export class GroupCommit {
  readonly #folder: string;
  readonly #options: GroupCommitOptions;
  #queue: Queued[] = [];
  #running: Promise<void> | undefined;
  #file: FileHandle | undefined;
  #segment = 0;
  /** The end of the last entry written successfully: where the next batch goes, and what a failed one is cut back to. */
  #size = 0;
  /** A failed batch could not be cut off: nothing may be appended until it is. */
  #cutPending = false;
  /** The current segment's name is not yet known durable in the folder. */
  #folderUnsynced = false;
  #closed = false;
  /** The current segment still lacks its opening entries. */
  #openingUnwritten = false;
  /** The last batch failed: entries left queued wait for a new commit instead of being retried at once. */
  #failing = false;

  constructor(folder: string, options: GroupCommitOptions) {
    this.#folder = folder;
    this.#options = options;
  }

  /**
   * Continues segment `segment` from `size` (the end of its valid entries, found by the scan). The opening entries are
   * written again and the folder synced with the first batch: a crash may have left the segment without them (made,
   * but its first batch never written or cut off), and its name not yet durable in the folder.
   */
  resume(segment: number, size: number): void {
    this.#segment = segment;
    this.#size = size;
    this.#closed = false;
    this.#openingUnwritten = true;
    this.#folderUnsynced = true;
  }

  get segment(): number {
    return this.#segment;
  }

  /** Queues an entry; resolves where it was written, once durable if `durable`. */
  append(entry: JournalEntry, durable: boolean): Promise<EntryLocation> {
    if (this.#closed) return Promise.reject(new Error('the journal is closed'));
    const written = new Promise<EntryLocation>((resolve, reject) => this.#queue.push({ entry, durable, resolve, reject }));
    // A microtask later, so that every commit of this turn of the event loop joins the batch.
    this.#running ??= Promise.resolve().then(() => this.#drain());
    return written;
  }

  /** Resolves once everything queued so far was written or failed. */
  async flushed(): Promise<void> {
    for (let running = this.#running; running !== undefined; running = this.#running) await running;
  }

  /** Writes what is queued (entries a failed batch left are tried once more), then refuses more. */
  async close(): Promise<void> {
    await this.flushed();
    if (this.#queue.length > 0) {
      this.#running = Promise.resolve().then(() => this.#drain());
      await this.flushed();
    }
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.reject(new Error('the journal is closed'));
  }

  async #drain(): Promise<void> {
    this.#failing = false;
    try {
      while (this.#wantsBatch()) {
        const batch = this.#queue.splice(0);
        try {
          const locations = await this.#write(batch);
          this.#failing = false;
          for (const [index, queued] of batch.entries()) queued.resolve(locations[index] as EntryLocation);
        } catch (error) {
          // Commits are refused (the input answers 451); the rest waits for a later batch to carry it.
          this.#failing = true;
          for (const queued of batch) if (queued.durable) queued.reject(error);
          this.#queue.unshift(...batch.filter((queued) => !queued.durable));
        }
      }
    } finally {
      await this.#closeFile();
      this.#running = undefined;
      // Queued while the file was being closed.
      if (this.#wantsBatch()) this.#running = Promise.resolve().then(() => this.#drain());
    }
  }

  /** A commit waits, or entries that are not known to fail. */
  #wantsBatch(): boolean {
    return this.#queue.some((queued) => queued.durable) || (this.#queue.length > 0 && !this.#failing);
  }

  async #write(batch: Queued[]): Promise<EntryLocation[]> {
    const file = await this.#openFile();
    if (this.#cutPending) {
      await file.truncate(this.#size);
      this.#cutPending = false;
    }
    if (this.#size >= this.#options.segmentBytes) await this.#startSegment();
    const opening = this.#openingUnwritten ? this.#options.segmentOpening() : [];
    const target = this.#file as FileHandle;
    const start = this.#size;
    const buffers: Buffer[] = [];
    const locations: EntryLocation[] = [];
    let offset = start;
    for (const entry of [...opening, ...batch.map((queued) => queued.entry)]) {
      const bytes = encodeEntry(entry, offset);
      buffers.push(bytes);
      locations.push({ segment: this.#segment, offset, length: bytes.length });
      offset += bytes.length;
    }
    const durable = batch.filter((queued) => queued.durable).length;
    const syncs = durable > 0 || opening.length > 0;
    try {
      await writeAll(target, buffers, start);
      if (syncs) {
        if (this.#folderUnsynced) await syncFolder(this.#folder);
        this.#folderUnsynced = false;
        await target.datasync();
      }
    } catch (error) {
      // Nothing of the batch may stay: a later batch would otherwise be appended after unacknowledged bytes.
      await target.truncate(start).catch(() => {
        this.#cutPending = true;
      });
      throw error;
    }
    this.#size = offset;
    this.#openingUnwritten = false;
    if (syncs) this.#options.onSynced?.(durable);
    return locations.slice(opening.length);
  }

  /** The next segment; its first batch begins with the entries that must outlive the older ones. */
  async #startSegment(): Promise<void> {
    await this.#closeFile();
    this.#segment += 1;
    this.#size = 0;
    this.#openingUnwritten = true;
    await this.#openFile();
  }

  async #openFile(): Promise<FileHandle> {
    // Never O_APPEND: writes go where `position` says, right after the last good entry.
    if (this.#file) return this.#file;
    const path = join(this.#folder, segmentName(this.#segment));
    this.#file = await open(path, 'r+').catch(async (error: unknown) => {
      if (codeOf(error) !== 'ENOENT') throw error;
      // A new name in the folder: the first sync of the segment syncs the folder too.
      this.#folderUnsynced = true;
      return open(path, constants.O_RDWR | constants.O_CREAT);
    });
    return this.#file;
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.close().catch(() => undefined);
  }
}

/** writev, and the rest of it should the kernel take only part (a file system nearly full). */
async function writeAll(file: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  let { bytesWritten } = await file.writev(buffers, position);
  if (bytesWritten === total) return;
  const all = Buffer.concat(buffers);
  while (bytesWritten < total) {
    const { bytesWritten: more } = await file.write(all, bytesWritten, total - bytesWritten, position + bytesWritten);
    bytesWritten += more;
  }
}
