// The journal spool: records are entries appended to `spool/journal/<n>.log` and made durable by a group commit (one
// fdatasync for every commit waiting, group-commit.ts); bodies over the in-memory limit live in `spool/bodies/`.
// Deliveries, retirements and quarantines are entries too, written without a sync of their own: they reach the kernel
// at once (so they survive kill -9) and the disk with the next commit's sync or the OS's writeback; a power cut may
// cost the last ones, which only costs a replay, as the file spool's unsynced delivered.log and unlink did.
// Open replays the journal (journal-replay.ts) into the pending records, their deliveries and the resend keys, and
// takes over a data_dir of the file spool (journal-takeover.ts).
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BackgroundTasks } from '../background-tasks.js';
import type { Logger } from '../log.js';
import { BodyFiles } from './body-files.js';
import { removeIfPresent, syncFolder } from './durable-file.js';
import { type EntryLocation, GroupCommit, segmentName } from './group-commit.js';
import { inMemoryLimit, receiveBody } from './journal-body.js';
import { reclaimSegments } from './journal-compaction.js';
import {
  decodeRecord,
  EntryType,
  entryAt,
  type JournalEntry,
  jsonEntry,
  type RecordMeta,
  readEntryBytes,
  recordEntry,
} from './journal-file.js';
import { replayJournal } from './journal-replay.js';
import { takeOverFileSpool } from './journal-takeover.js';
import { MailIds } from './mail-id.js';
import { type PendingRecord, PendingRecords } from './pending-records.js';
import { Quarantine, type QuarantineOptions } from './quarantine.js';
import { headerLineOf, recordOf } from './record-file.js';
import { ResendWindow } from './resend-window.js';
import { type RecordToStore, RecordUnreadable, type Spool, type SpoolDraft, type SpoolRecord, SpoolUnavailable } from './spool.js';

/**
 * How long a stored mail is recognised when it is sent again. A panel or camera resends at once or not at all; a
 * relay such as Postfix retries a deferred mail after 5 to 10 minutes (minimal_backoff_time and queue_run_delay,
 * 300 s each), and the bridge may take a minute to come back after a crash. Longer would only add the risk of
 * merging two real alarms from a sender whose mails are byte for byte the same, constant Message-ID included.
 */
const resendWindowMs = 15 * 60 * 1000;
/** A segment past this size is closed and the next one begun. */
const defaultSegmentBytes = 8 * 1024 * 1024;
/**
 * Past this many segments the oldest one's pending records are copied forward (when they fill at most half of it), so
 * that a record pending for days (an output down) does not keep every segment written since.
 */
const defaultMaxSegments = 4;

export interface JournalSpoolOptions {
  /** Wall clock in ms, for the resend window and the quarantine's age limit; tests move it. */
  now?: () => number;
  /** Bounds of the quarantine, and whom to tell of a record removed from it. */
  quarantine?: Omit<QuarantineOptions, 'now'>;
  /** The resend key of a record taken over from the file spool (those carry none of their own). */
  resendKeyOf?: (record: SpoolRecord) => string | undefined;
  /** Told of damage found in the journal at open. */
  log?: Pick<Logger, 'warn' | 'info' | 'error'>;
  /** Told after each fdatasync how many commits it carried (bench, tests). */
  onSynced?: (commits: number) => void;
  segmentBytes?: number;
  maxSegments?: number;
}

export class JournalSpool implements Spool {
  readonly quarantined: Quarantine;
  readonly #spoolDir: string;
  readonly #journalDir: string;
  readonly #bodiesDir: string;
  readonly #bodies: BodyFiles;
  readonly #now: () => number;
  readonly #options: JournalSpoolOptions;
  readonly #segmentBytes: number;
  readonly #maxSegments: number;
  readonly #writer: GroupCommit;
  readonly #recent: ResendWindow;
  /** Ids continue after the newest one the journal holds, whatever another spool in the process gave. */
  readonly #ids = new MailIds();
  readonly #pending = new PendingRecords();
  readonly #delivered = new Map<string, Set<string>>();
  /** Writes not waited for (retirements, compaction), which close() waits for. */
  readonly #background = new BackgroundTasks();
  readonly #requeueing = new Set<string>();
  #compacting = false;
  #open = false;

  constructor(dataDir: string, options: JournalSpoolOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#spoolDir = join(dataDir, 'spool');
    this.#journalDir = join(this.#spoolDir, 'journal');
    this.#bodiesDir = join(this.#spoolDir, 'bodies');
    this.#bodies = new BodyFiles(this.#bodiesDir);
    this.#segmentBytes = options.segmentBytes ?? defaultSegmentBytes;
    this.#maxSegments = options.maxSegments ?? defaultMaxSegments;
    this.quarantined = new Quarantine(join(dataDir, 'quarantine'), { ...options.quarantine, now: this.#now });
    this.#recent = new ResendWindow(resendWindowMs, this.#now);
    this.#writer = new GroupCommit(this.#journalDir, {
      segmentBytes: this.#segmentBytes,
      // Older segments go once their records are done: the resend keys inside the window must outlive them.
      segmentOpening: () => [jsonEntry(EntryType.recent, this.#recent.durableKeys())],
      ...(options.onSynced ? { onSynced: options.onSynced } : {}),
    });
  }

  /** Replays the journal, takes over a file spool's records, and drops bodies never committed. */
  async open(): Promise<void> {
    if (this.#open) await this.close();
    const created = [];
    for (const dir of [this.#journalDir, this.#bodiesDir]) created.push(await mkdir(dir, { recursive: true }));
    // A folder made here must itself survive a power cut, or the journal synced into it is lost with it.
    if (created.some((first) => first !== undefined)) for (const dir of [this.#spoolDir, dirname(this.#spoolDir)]) await syncFolder(dir);
    // First: on a full disk its bounds may win back the room the steps after it write into.
    await this.quarantined.open();
    this.#pending.clear();
    this.#delivered.clear();
    const journal = await replayJournal(this.#journalDir, this.#options.log);
    const bodies = new Set(await readdir(this.#bodiesDir));
    // An acknowledged record's body file exists (its name was durable before its bytes were written): one that is
    // gone was removed after a retirement whose entry a power cut lost, so the record is done.
    const bodiless = new Set([...journal.pending].filter(([, { bodyFile }]) => bodyFile && !bodies.has(bodyFile)).map(([id]) => id));
    for (const [id, record] of journal.pending) if (!bodiless.has(id)) this.#pending.set(id, record);
    for (const [id, outputs] of journal.delivered) if (!bodiless.has(id)) this.#delivered.set(id, outputs);
    // Oldest first: a segment's opening repeats keys older than the records before it.
    for (const [key, id, at] of journal.recentKeys.sort((a, b) => a[2] - b[2])) if (!bodiless.has(id)) this.#recent.restore(key, id, at);
    const seen = journal.seen;
    this.#writer.resume(journal.segment, journal.end);
    this.#open = true;
    const taken = await takeOverFileSpool(
      this.#spoolDir,
      (id) => seen.has(id),
      (old) => this.#takeOver(old.id, old.data, old.storedAt, old.delivered),
    );
    if (taken > 0) this.#options.log?.info({ records: taken }, 'records of the file spool taken over into the journal');
    const newest = [...seen, ...this.#pending.ids()].sort().at(-1);
    if (newest) this.#ids.continueAfter(newest);
    await this.#bodies.open(new Set([...this.#pending.records()].flatMap(([, record]) => record.bodyFile ?? [])));
    for (const name of await readdir(this.#journalDir)) if (name.endsWith('.probe')) await removeIfPresent(join(this.#journalDir, name));
    this.#reclaim();
  }

  async close(): Promise<void> {
    this.#open = false;
    // The writer first: an entry a full disk kept queued is tried once more, then given up, so nothing waits on it.
    await this.#writer.close();
    await this.#background.settled();
    await this.#bodies.close();
  }

  async write({ kind, header, body, maxBytes, resendKey }: RecordToStore): Promise<SpoolDraft> {
    let received: Awaited<ReturnType<typeof receiveBody>>;
    try {
      if (!this.#open) throw new Error('the spool is not open');
      received = await receiveBody(body, { maxBytes, bodies: this.#bodies, ...(resendKey ? { resendKey } : {}) });
    } catch (error) {
      throw new SpoolUnavailable(`cannot store ${kind} record: ${(error as Error).message}`, { cause: error });
    }
    const { oversized, inline, bodyFile } = received;
    const key = oversized ? undefined : resendKey?.key();
    const { kind: _headerKind, ...fields } = header as Record<string, unknown>;
    let settled = false;
    const dropBody = async () => {
      settled = true;
      if (bodyFile) await this.#bodies.remove(bodyFile);
    };
    return {
      oversized,
      commit: async () => {
        if (settled || oversized) throw new SpoolUnavailable('the draft was discarded or is oversized');
        for (let earlier = key && this.#recent.get(key); earlier; earlier = key && this.#recent.get(key)) {
          // The first copy may still be committing: it answers for this one only once it is durable.
          if (!(await earlier.stored)) continue; // it failed and is forgotten; look again
          await dropBody();
          return { id: earlier.id, record: undefined, resent: true };
        }
        const id = this.#ids.next();
        const meta: RecordMeta = { id, kind, header: fields, at: this.#now(), ...(key ? { key } : {}), ...(bodyFile ? { bodyFile } : {}) };
        const written = this.#append(recordEntry(meta, inline), true);
        if (key)
          this.#recent.add(
            key,
            id,
            written.then(
              () => true,
              () => false,
            ),
          );
        try {
          this.#pending.set(id, { location: await written, bodyFile });
        } catch (error) {
          // Answered 451, so the sender sends it again: no copy may stay behind to be processed as well.
          await dropBody().catch(() => undefined);
          throw new SpoolUnavailable(`cannot commit record: ${(error as Error).message}`, { cause: error });
        }
        settled = true;
        const record = inline && inline.length <= inMemoryLimit ? { id, kind, header: { ...fields }, body: inline } : undefined;
        return { id, record, resent: false };
      },
      discard: dropBody,
    };
  }

  async pending(): Promise<string[]> {
    return this.#pending.ids();
  }

  async read(id: string): Promise<SpoolRecord> {
    const { meta, body } = await this.#readEntry(id);
    if (meta.legacy) return recordOf(id, body);
    const bytes = meta.bodyFile ? await readFile(join(this.#bodiesDir, meta.bodyFile)) : body;
    return { id, kind: meta.kind, header: meta.header, body: bytes };
  }

  deliveredTo(id: string): ReadonlySet<string> {
    return this.#delivered.get(id) ?? new Set();
  }

  /** Remembered at no fsync: the entry is written at once and made durable by the next commit's sync. */
  recordDelivery(id: string, output: string): void {
    if (!this.#pending.has(id)) return;
    const outputs = this.#delivered.get(id) ?? new Set<string>();
    if (outputs.has(output)) return;
    outputs.add(output);
    this.#delivered.set(id, outputs);
    this.#background.run(this.#append(jsonEntry(EntryType.delivered, { id, output }), false), () => undefined);
  }

  async retire(id: string): Promise<void> {
    this.#leave(id, EntryType.retired);
  }

  async quarantine(id: string, reason?: string): Promise<void> {
    if (!this.#pending.has(id)) return;
    await this.quarantined.admit(await this.#fileBytesOf(id), id, reason);
    this.#leave(id, EntryType.quarantined);
  }

  async requeue(quarantinedId: string): Promise<{ id: string; record: SpoolRecord | undefined } | undefined> {
    // Two retries of one record at once (two tabs) would both read it before either releases it: one alarm, two records.
    if (this.#requeueing.has(quarantinedId)) return undefined;
    this.#requeueing.add(quarantinedId);
    try {
      const data = await this.quarantined.read(quarantinedId);
      if (!data) return undefined;
      // A record whose header cannot be read (RecordUnreadable) would only come back here: it stays where it is.
      const { kind, header, body } = recordOf(quarantinedId, data);
      const stored = await (await this.write({ kind, header, body, maxBytes: Number.POSITIVE_INFINITY })).commit();
      // Durable now; a quarantine that cannot let go of its copy (a failing disk) keeps it listed.
      await this.quarantined.release(quarantinedId).catch(() => undefined);
      return { id: stored.id, record: stored.record };
    } finally {
      this.#requeueing.delete(quarantinedId);
    }
  }

  /** A small file written, synced, moved into the journal's folder and removed: the folder takes new names. */
  async probe(): Promise<void> {
    const name = `${randomUUID()}.probe`;
    const draft = join(this.#bodiesDir, name);
    try {
      const file = await open(draft, 'wx');
      try {
        await file.write('probe');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(draft, join(this.#journalDir, name));
    } finally {
      await removeIfPresent(draft).catch(() => undefined);
      await removeIfPresent(join(this.#journalDir, name)).catch(() => undefined);
    }
  }

  #append(entry: JournalEntry, durable: boolean): Promise<EntryLocation> {
    if (!this.#open) return Promise.reject(new Error('the spool is closed'));
    return this.#writer.append(entry, durable);
  }

  /** The record is done (retired) or quarantined: the entry that says so, then its body file goes. */
  #leave(id: string, type: EntryType): void {
    const record = this.#pending.get(id);
    if (!record) return;
    this.#pending.delete(id);
    this.#delivered.delete(id);
    const left = this.#append(jsonEntry(type, { id }), false).then(async () => {
      if (record.bodyFile) await this.#bodies.remove(record.bodyFile);
    });
    this.#background.run(left, () => undefined);
    this.#reclaim();
  }

  /** A record's entry, read back and checked; ENOENT once it is not pending. */
  async #readEntry(id: string): Promise<{ meta: RecordMeta; body: Buffer }> {
    for (;;) {
      const record = this.#pending.get(id);
      if (!record) throw Object.assign(new Error(`record ${id} is not pending`), { code: 'ENOENT' });
      const { segment, offset, length } = record.location;
      let data: Buffer;
      try {
        data = await readEntryBytes(join(this.#journalDir, segmentName(segment)), { offset, length });
      } catch (error) {
        // Moved forward by a compaction meanwhile: read it where it is now.
        if (this.#pending.get(id)?.location !== record.location) continue;
        throw error;
      }
      const entry = entryAt(data, 0, offset);
      if (!entry) throw new RecordUnreadable('its journal entry is damaged');
      try {
        return decodeRecord(entry.payload);
      } catch (error) {
        throw new RecordUnreadable(`its journal entry cannot be read (${(error as Error).message})`, { cause: error });
      }
    }
  }

  /** The record in the file format the quarantine keeps (header line, then body), or its raw entry if unreadable. */
  async #fileBytesOf(id: string): Promise<Buffer> {
    try {
      const { meta, body } = await this.#readEntry(id);
      if (meta.legacy) return body;
      const bytes = meta.bodyFile ? await readFile(join(this.#bodiesDir, meta.bodyFile)) : body;
      return Buffer.concat([headerLineOf(meta.kind, meta.header), bytes]);
    } catch (error) {
      if (!(error instanceof RecordUnreadable)) throw error;
      const { segment, offset, length } = (this.#pending.get(id) as PendingRecord).location;
      return readEntryBytes(join(this.#journalDir, segmentName(segment)), { offset, length });
    }
  }

  async #takeOver(id: string, data: Buffer, storedAt: number, delivered: string[]): Promise<void> {
    let key: string | undefined;
    try {
      key = this.#recent.withinWindow(storedAt) ? this.#options.resendKeyOf?.(recordOf(id, data)) : undefined;
    } catch {} // unreadable: it is quarantined in its turn, as before
    const meta: RecordMeta = { id, kind: 'mail', header: {}, at: storedAt, legacy: true, ...(key ? { key } : {}) };
    const written = this.#append(recordEntry(meta, data), true);
    const deliveries = delivered.map((output) => this.#append(jsonEntry(EntryType.delivered, { id, output }), true));
    this.#pending.set(id, { location: await written, bodyFile: undefined });
    await Promise.all(deliveries);
    if (delivered.length > 0) this.#delivered.set(id, new Set(delivered));
    if (key) this.#recent.restore(key, id, storedAt);
  }

  /** Old segments go, one compaction at a time, in the background (journal-compaction.ts). */
  #reclaim(): void {
    if (!this.#open || this.#compacting) return;
    this.#compacting = true;
    const done = reclaimSegments({
      folder: this.#journalDir,
      pending: this.#pending,
      delivered: this.#delivered,
      currentSegment: () => this.#writer.segment,
      append: (entry, durable) => this.#append(entry, durable),
      segmentBytes: this.#segmentBytes,
      maxSegments: this.#maxSegments,
    }).finally(() => {
      this.#compacting = false;
    });
    this.#background.run(done, () => undefined);
  }
}
