// A record as one file's bytes: one line of JSON (the record's kind and its header, for a mail its envelope), then
// the body as received. The format of the old file spool's `spool/mails/*.eml` (taken over into the journal at start)
// and of the quarantine's files. A first line without `kind` (written before records had kinds) is a mail.
import { RecordUnreadable, type SpoolRecord } from './spool.js';

/** The kind of a record whose first line names none. */
const kindBeforeKinds = 'mail';

/** The first line of a record's file: its kind first and its own, so a header's `kind` field cannot change it. */
export function headerLineOf(kind: string, header: object): Buffer {
  const { kind: _headerKind, ...fields } = header as Record<string, unknown>;
  return Buffer.from(`${JSON.stringify({ kind, ...fields })}\n`);
}

/** A record file's bytes as a record: its first line's kind and header, then the body. */
export function recordOf(id: string, data: Buffer): SpoolRecord {
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
