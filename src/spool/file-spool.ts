// The durable file spool: a record acknowledged to its input is in `spool/mails/` until every output has its event.
// A spool file is one line of JSON (the record's kind and header, for a mail its envelope), then the body as
// received. A file whose first line has no `kind` (written before records had kinds) is a mail, so a data_dir of an
// older version is taken over as it is; the folder and the `.eml` name stay for the same reason. A record its input
// sends again (a mail whose 250 the client never read) is recognised and keeps its first id (recent-mails.ts).
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeliveryRecord } from './delivery-record.js';
import { removeIfPresent } from './durable-file.js';
import { FolderSync } from './folder-sync.js';
import { MailIds } from './mail-id.js';
import { Quarantine, type QuarantineOptions } from './quarantine.js';
import { RecentMails } from './recent-mails.js';
import { type RecordToStore, RecordUnreadable, type Spool, type SpoolDraft, type SpoolRecord, SpoolUnavailable } from './spool.js';

/** The kind of a record whose first line names none. */
const kindBeforeKinds = 'mail';

/** Records up to this size are written in one go and handed on in memory, not read back from disk. */
const inMemoryLimit = 256 * 1024;
/**
 * How long a stored mail is recognised when it is sent again. A panel or camera resends at once or not at all; a
 * relay such as Postfix retries a deferred mail after 5 to 10 minutes (minimal_backoff_time and queue_run_delay,
 * 300 s each), and the bridge may take a minute to come back after a crash. Longer would only add the risk of
 * merging two real alarms from a sender whose mails are byte for byte the same, constant Message-ID included.
 */
const resendWindowMs = 15 * 60 * 1000;

export interface FileSpoolOptions {
  /** Wall clock in ms, for the resend window and the quarantine's age limit; tests move it. */
  now?: () => number;
  /** Bounds of the quarantine, and whom to tell of a record removed from it. */
  quarantine?: Omit<QuarantineOptions, 'now'>;
  /**
   * The resend key of a stored record (the one its input's gatherer gave), to rebuild a marker a crash left
   * unwritten; without it such a record is not recognised when it is sent again.
   */
  resendKeyOf?: (record: SpoolRecord) => string | undefined;
}

export class FileSpool implements Spool {
  readonly #incoming: string;
  readonly #mails: string;
  readonly #recent: RecentMails;
  readonly #delivered: DeliveryRecord;
  /** Ids of this spool: they continue after the newest stored mail, whatever another spool in the process gave. */
  readonly #ids = new MailIds();
  #mailsSync: FolderSync | undefined;
  #renames: Promise<void> = Promise.resolve();
  /** Unparsable mails, for a human and the status page. */
  readonly quarantined: Quarantine;

  readonly #resendKeyOf: FileSpoolOptions['resendKeyOf'];
  /** Quarantined records being put back right now. */
  readonly #requeueing = new Set<string>();

  constructor(dataDir: string, { now = Date.now, quarantine, resendKeyOf }: FileSpoolOptions = {}) {
    this.#resendKeyOf = resendKeyOf;
    this.#incoming = join(dataDir, 'spool', 'incoming');
    this.#mails = join(dataDir, 'spool', 'mails');
    this.quarantined = new Quarantine(join(dataDir, 'quarantine'), { ...quarantine, now });
    this.#recent = new RecentMails(this.#mails, resendWindowMs, now);
    this.#delivered = new DeliveryRecord(join(dataDir, 'spool', 'delivered.log'));
  }

  /** Creates the folders and drops drafts of a previous run: those were never answered with 250. */
  async open(): Promise<void> {
    await rm(this.#incoming, { recursive: true, force: true });
    for (const dir of [this.#incoming, this.#mails]) await mkdir(dir, { recursive: true });
    await this.#mailsSync?.close();
    this.#mailsSync = await FolderSync.open(this.#mails);
    // First: on a full disk its bounds may win back the room the steps after it write into.
    await this.quarantined.open();
    await this.#recent.load();
    const pending = await this.pending();
    await this.#restoreMarkers(pending);
    await this.#delivered.open(pending);
    const newest = pending.at(-1);
    if (newest) this.#ids.continueAfter(newest);
  }

  async close(): Promise<void> {
    await this.#delivered.close();
    await this.#recent.close();
    await this.#mailsSync?.close();
    this.#mailsSync = undefined;
  }

  /** Streams a record's body into a draft file, storing at most `maxBytes` of it. */
  async write({ kind, header, body, maxBytes, resendKey }: RecordToStore): Promise<SpoolDraft> {
    const draftPath = join(this.#incoming, `${randomUUID()}.eml`);
    const message = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const chunks: Buffer[] = [];
    // The kind first and the record's own: a header's `kind` field cannot change what the record is read as.
    const { kind: _headerKind, ...fields } = header as Record<string, unknown>;
    let unwritten: Buffer[] = [Buffer.from(`${JSON.stringify({ kind, ...fields })}\n`)];
    let unwrittenBytes = 0;
    let stored = 0;
    let oversized = false;
    let file: FileHandle | undefined;
    try {
      file = await open(draftPath, 'wx');
      for await (const chunk of message as AsyncIterable<Buffer>) {
        if (oversized) continue;
        stored += chunk.length;
        if (stored > maxBytes) {
          oversized = true;
          continue;
        }
        resendKey?.update(chunk);
        if (stored <= inMemoryLimit) chunks.push(chunk);
        unwritten.push(chunk);
        unwrittenBytes += chunk.length;
        if (unwrittenBytes > inMemoryLimit) {
          await file.writev(unwritten);
          unwritten = [];
          unwrittenBytes = 0;
        }
      }
      if (!oversized) {
        await file.writev(unwritten);
        await file.sync();
      }
    } catch (error) {
      message.resume();
      await removeIfPresent(draftPath).catch(() => undefined);
      throw new SpoolUnavailable(`cannot store ${kind} record: ${(error as Error).message}`, { cause: error });
    } finally {
      await file?.close();
    }
    const key = oversized ? undefined : resendKey?.key();
    return {
      oversized,
      commit: async () => {
        for (let earlier = key && this.#recent.get(key); earlier; earlier = key && this.#recent.get(key)) {
          // The first copy may still be committing: it answers for this one only once it is durable.
          if (!(await earlier.stored)) continue; // it failed and is forgotten; look again
          await removeIfPresent(draftPath);
          return { id: earlier.id, record: undefined, resent: true };
        }
        const id = this.#ids.next();
        const committed = this.#commit(draftPath, id, key);
        if (key)
          this.#recent.add(
            key,
            id,
            committed.then(
              () => true,
              () => false,
            ),
          );
        await committed;
        const record = stored <= inMemoryLimit ? { id, kind, header: { ...header }, body: Buffer.concat(chunks) } : undefined;
        return { id, record, resent: false };
      },
      discard: () => removeIfPresent(draftPath),
    };
  }

  /** Ids of committed records not yet retired, oldest first. */
  async pending(): Promise<string[]> {
    const names = await readdir(this.#mails);
    return names
      .filter((name) => name.endsWith('.eml'))
      .map((name) => name.slice(0, -4))
      .sort();
  }

  async read(id: string): Promise<SpoolRecord> {
    return recordOf(id, await readFile(join(this.#mails, `${id}.eml`)));
  }

  /** The outputs that already have the event of this pending record (from before a crash): a replay skips them. */
  deliveredTo(id: string): ReadonlySet<string> {
    return this.#delivered.deliveredTo(id);
  }

  /** `output` has the event of pending record `id`; remembered across a crash of the process, at no fsync. */
  recordDelivery(id: string, output: string): void {
    this.#delivered.record(id, output);
  }

  /** Every output has the record's event: the record is done. */
  async retire(id: string): Promise<void> {
    await removeIfPresent(join(this.#mails, `${id}.eml`));
    this.#delivered.forget(id);
  }

  /** Keeps a record that could not be read, and why, where a human can look at it (within the quarantine's bounds). */
  async quarantine(id: string, reason?: string): Promise<void> {
    await this.quarantined.admit(join(this.#mails, `${id}.eml`), id, reason);
    this.#delivered.forget(id);
  }

  async requeue(quarantinedId: string): Promise<{ id: string; record: SpoolRecord | undefined } | undefined> {
    // Two retries of one mail at once (two tabs) would both read it before either releases it: one alarm, two records.
    if (this.#requeueing.has(quarantinedId)) return undefined;
    this.#requeueing.add(quarantinedId);
    try {
      const data = await this.quarantined.read(quarantinedId);
      if (!data) return undefined;
      // A record whose header cannot be read (RecordUnreadable) would only come back here: it stays where it is.
      const { kind, header, body } = recordOf(quarantinedId, data);
      const draft = await this.write({ kind, header, body, maxBytes: Number.POSITIVE_INFINITY });
      const stored = await draft.commit();
      // The record is durable now and will be processed; a quarantine that cannot let go of its copy (a failing
      // disk) keeps it listed, which costs at most a second copy if a person retries it again.
      await this.quarantined.release(quarantinedId).catch(() => undefined);
      return { id: stored.id, record: stored.record };
    } finally {
      this.#requeueing.delete(quarantinedId);
    }
  }

  async probe(): Promise<void> {
    const name = `${randomUUID()}.probe`;
    const draft = join(this.#incoming, name);
    let file: FileHandle | undefined;
    try {
      file = await open(draft, 'wx');
      await file.write('probe');
      await file.sync();
      await file.close();
      file = undefined;
      // Moved like a record is, so a folder that takes no new names fails here too; never named `.eml`, never pending.
      await rename(draft, join(this.#mails, name));
    } finally {
      await file?.close().catch(() => undefined);
      await removeIfPresent(draft).catch(() => undefined);
      await removeIfPresent(join(this.#mails, name)).catch(() => undefined);
    }
  }

  /**
   * The marker is written just after the record's rename; a process that died in between left it without one.
   * Rebuilt from the record itself, so the client's resend of a mail whose 250 it never read keeps the first id.
   * Only records still pending can lack one, and only those whose input gives them a key get one.
   */
  async #restoreMarkers(pending: readonly string[]): Promise<void> {
    const resendKeyOf = this.#resendKeyOf;
    if (!resendKeyOf) return;
    const marked = this.#recent.markedIds();
    let restored = false;
    for (const id of pending) {
      if (marked.has(id)) continue;
      // Best effort: a record that cannot be read or marked here must not stop the start; the processor reads it in
      // its turn and quarantines it. Records stored before the window are not read at all (a backlog after an outage).
      try {
        const { mtimeMs } = await stat(join(this.#mails, `${id}.eml`));
        if (!this.#recent.withinWindow(mtimeMs)) continue;
        const key = resendKeyOf(await this.read(id));
        if (!key) continue;
        await this.#recent.restore(key, id, mtimeMs);
        restored = true;
      } catch {}
    }
    if (restored)
      await this.#requireMailsSync()
        .sync()
        .catch(() => undefined);
  }

  /** The draft becomes `mails/<id>.eml`, with its resend marker if it has a key, both made durable by one folder sync. */
  async #commit(draftPath: string, id: string, key: string | undefined): Promise<void> {
    try {
      // The marker after the rename, so a crash cannot leave the marker durable and the mail not (the folder's
      // changes reach the disk in order on ext4): a resend would then be dropped for a mail that was never stored.
      // Both in the mail's turn, so that the folder syncs are still asked for in id order.
      await this.#inTurn(async () => {
        await rename(draftPath, join(this.#mails, `${id}.eml`));
        if (key) await this.#recent.mark(key, id);
      });
      await this.#requireMailsSync().sync();
    } catch (error) {
      // Answered 451, so the sender sends it again: no copy may stay behind to be processed as well.
      await removeIfPresent(draftPath).catch(() => undefined);
      await removeIfPresent(join(this.#mails, `${id}.eml`)).catch(() => undefined);
      if (key) await this.#recent.unmark(key, id).catch(() => undefined);
      throw new SpoolUnavailable(`cannot commit record: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Renames (with their resend markers) one after another, in the order ids were given: the folder syncs that follow
   * then end in that order too, so mails are handed on in id order, the order a replay of the spool takes.
   */
  #inTurn(step: () => Promise<void>): Promise<void> {
    const renamed = this.#renames.then(step);
    this.#renames = renamed.catch(() => undefined);
    return renamed;
  }

  #requireMailsSync(): FolderSync {
    if (!this.#mailsSync) throw new Error('spool not open');
    return this.#mailsSync;
  }
}

/** A spool file's bytes as a record: its first line's kind and header, then the body. */
function recordOf(id: string, data: Buffer): SpoolRecord {
  const newline = data.indexOf(0x0a);
  const { kind = kindBeforeKinds, ...header } = headerOf(newline < 0 ? undefined : data.subarray(0, newline));
  if (typeof kind !== 'string') throw new RecordUnreadable("the record's kind is not a name");
  return { id, kind, header, body: data.subarray(newline + 1) };
}

/** The first line's JSON object; RecordUnreadable when there is none (a file cut short, or not ours). */
function headerOf(line: Buffer | undefined): Record<string, unknown> {
  if (line === undefined) throw new RecordUnreadable('the record has no header line');
  let header: unknown;
  try {
    header = JSON.parse(line.toString('utf8'));
  } catch (error) {
    throw new RecordUnreadable(`the record's header is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new RecordUnreadable("the record's header is not a JSON object");
  return header as Record<string, unknown>;
}
