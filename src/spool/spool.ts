// The spool's contract, whatever keeps the records: what an input stores is acknowledged only once it is durable,
// is handed on with the same id after a crash, is quarantined when it cannot be read and is retired once every
// output has its event. Records are of a kind (`mail` from the SMTP intake, `raised` from a feature), and the
// spool knows no kind: what a record means is the processor's record kinds' business.
import type { Readable } from 'node:stream';
import type { Quarantine } from './quarantine.js';

/** The spool cannot store a record (disk full, read-only): the input must refuse it for now (SMTP: 451). */
export class SpoolUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SpoolUnavailable';
  }
}

/** A stored record whose header cannot be read (cut short, not JSON): it can only go to quarantine. */
export class RecordUnreadable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordUnreadable';
  }
}

export interface SpoolRecord {
  id: string;
  /** `mail`, `raised`; a record stored before kinds existed is a `mail`. */
  kind: string;
  /** What the input said about the record (a mail's envelope), as JSON. */
  header: Readonly<Record<string, unknown>>;
  /** The bytes as the input received them (a mail's raw message). */
  body: Buffer;
}

/** Gathers, while a record streams in, what makes a copy sent again recognisable (a mail's resend key). */
export interface ResendKeyGatherer {
  update(chunk: Buffer): void;
  /** After the last chunk; undefined when the record cannot be recognised again. */
  key(): string | undefined;
}

export interface RecordToStore {
  kind: string;
  /** Plain JSON; must not have a `kind` of its own. */
  header: object;
  body: Readable | Buffer;
  /** More body bytes than this are drained, not stored, and the draft is `oversized`. */
  maxBytes: number;
  /** A record recognised as sent again within minutes keeps the first one's id and is not stored twice. */
  resendKey?: ResendKeyGatherer;
}

/** A record stored but not yet promised: commit it (then acknowledge it) or discard it. */
export interface SpoolDraft {
  /** More bytes arrived than allowed; they were drained, not stored. */
  oversized: boolean;
  /**
   * Makes the record durable under its id: ids sort in the order records are committed, which is the order they are
   * processed in, also when the spool is replayed after a crash. `record` when small enough to keep in memory.
   * `resent`: the same record was stored within the last minutes; this copy is dropped and `id` is the first one's.
   * Rejects with SpoolUnavailable when the record is not durable: nothing of it stays behind.
   */
  commit(): Promise<{ id: string; record: SpoolRecord | undefined; resent: boolean }>;
  discard(): Promise<void>;
}

export interface Spool {
  /** Records that could not be turned into an event, for a human and the status page (bounded). */
  readonly quarantined: Quarantine;
  /** Makes the spool ready and drops drafts of a previous run: those were never acknowledged. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Stores a record's body as a draft; rejects with SpoolUnavailable when it cannot. */
  write(record: RecordToStore): Promise<SpoolDraft>;
  /** Ids of committed records not yet retired or quarantined, oldest first. */
  pending(): Promise<string[]>;
  /** A pending record; rejects with RecordUnreadable when its header cannot be read, with ENOENT once it is gone. */
  read(id: string): Promise<SpoolRecord>;
  /** The outputs that already have the event of this pending record (from before a crash): a replay skips them. */
  deliveredTo(id: string): ReadonlySet<string>;
  /** `output` has the event of pending record `id`; remembered across a crash of the process. */
  recordDelivery(id: string, output: string): void;
  /** Every output has the record's event: the record is done. */
  retire(id: string): Promise<void>;
  /** Keeps a record that could not be read, and why, where a human can look at it. */
  quarantine(id: string, reason?: string): Promise<void>;
  /**
   * Puts a quarantined record back as a new record (a new id, at the end of the queue), durable before it leaves
   * quarantine; resolves with it, or undefined when no record of that id is kept. Rejects with RecordUnreadable
   * for one whose header cannot be read (it stays), SpoolUnavailable when the spool cannot store it now.
   */
  requeue(quarantinedId: string): Promise<{ id: string; record: SpoolRecord | undefined } | undefined>;
  /** Rejects with why a record could not be stored now (a small file written, synced, moved and removed). */
  probe(): Promise<void>;
}
