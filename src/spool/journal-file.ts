// The journal's entry format and the scan of a segment. An entry is: magic `AMBJ`, the payload's length (uint32 LE),
// a crc32 (uint32 LE), the type (one byte), the payload. The crc covers the entry's own offset in its segment as
// well as type and payload, so that bytes which merely look like an entry (a mail quoting one, an entry copied
// elsewhere) never pass for one where they do not belong when a scan skips forward over damage.
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const magic = Buffer.from('AMBJ');
/** magic, length, crc, type. */
export const entryHeaderBytes = 13;
/** No entry is larger (a record's inline body is at most the in-memory limit; a taken-over file at most the SMTP size). */
const maxPayloadBytes = 1024 * 1024 * 1024;

export const EntryType = { record: 1, delivered: 2, retired: 3, quarantined: 4, recent: 5 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** What a record entry says about its record; its body follows inline unless `bodyFile` names where it is. */
export interface RecordMeta {
  id: string;
  kind: string;
  header: Record<string, unknown>;
  /** Its resend key, if its input gave one. */
  key?: string;
  /** When it was committed (ms since the epoch), for the resend window. */
  at: number;
  /** The file under `spool/bodies/` holding the body (records over the in-memory limit). */
  bodyFile?: string;
  /**
   * A record taken over from the old file spool: the body is that file's bytes as they were (header line, then
   * body), read as such, so one whose first line cannot be read is quarantined with its id as it was before.
   */
  legacy?: true;
}

/** A resend key remembered across segments: a `recent` entry lists them at the start of each new segment. */
export type RecentKey = [key: string, id: string, at: number];

export interface JournalEntry {
  type: EntryType;
  payload: Buffer;
}

/** The bytes of an entry at `offset` of its segment. */
export function encodeEntry({ type, payload }: JournalEntry, offset: number): Buffer {
  const head = Buffer.alloc(entryHeaderBytes);
  magic.copy(head, 0);
  head.writeUInt32LE(payload.length, 4);
  head.writeUInt32LE(checksum(offset, type, payload), 8);
  head.writeUInt8(type, 12);
  return Buffer.concat([head, payload]);
}

export function recordEntry(meta: RecordMeta, inlineBody: Buffer | undefined): JournalEntry {
  const json = Buffer.from(JSON.stringify(meta));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return { type: EntryType.record, payload: Buffer.concat([length, json, inlineBody ?? Buffer.alloc(0)]) };
}

export function jsonEntry(type: EntryType, value: unknown): JournalEntry {
  return { type, payload: Buffer.from(JSON.stringify(value)) };
}

/** A record entry's payload: its meta and its inline body. Throws when the meta is not ours (checked by the crc). */
export function decodeRecord(payload: Buffer): { meta: RecordMeta; body: Buffer } {
  const length = payload.readUInt32LE(0);
  const meta = JSON.parse(payload.toString('utf8', 4, 4 + length)) as RecordMeta;
  if (typeof meta?.id !== 'string' || typeof meta.kind !== 'string') throw new Error('not a record entry');
  return { meta, body: payload.subarray(4 + length) };
}

export function decodeJson<T>(payload: Buffer): T {
  return JSON.parse(payload.toString('utf8')) as T;
}

/** An entry found by a scan, where it is in its segment. */
export interface ScannedEntry extends JournalEntry {
  offset: number;
  /** Header and payload. */
  length: number;
}

export interface SegmentScan {
  entries: ScannedEntry[];
  /** Where the valid entries end: past it is a torn or damaged tail (only ever cut off in the last segment). */
  end: number;
  /** Damaged stretches skipped between valid entries: [offset, length]. */
  skipped: [number, number][];
}

/** The entry at `index` of `data`, if a whole valid one starts there; `offset` is where `index` is in the segment. */
export function entryAt(data: Buffer, index: number, offset = index): ScannedEntry | undefined {
  if (index + entryHeaderBytes > data.length || data.compare(magic, 0, 4, index, index + 4) !== 0) return undefined;
  const payloadLength = data.readUInt32LE(index + 4);
  if (payloadLength > maxPayloadBytes || index + entryHeaderBytes + payloadLength > data.length) return undefined;
  const type = data.readUInt8(index + 12) as EntryType;
  const payload = data.subarray(index + entryHeaderBytes, index + entryHeaderBytes + payloadLength);
  if (checksum(offset, type, payload) !== data.readUInt32LE(index + 8)) return undefined;
  return { type, payload, offset, length: entryHeaderBytes + payloadLength };
}

/**
 * Every valid entry of a segment, in order. Damage (bytes that are no valid entry) followed by a valid entry is
 * skipped; damage with no valid entry after it is the tail, which `end` marks.
 */
export function scanSegment(data: Buffer): SegmentScan {
  const entries: ScannedEntry[] = [];
  const skipped: [number, number][] = [];
  let offset = 0;
  while (offset < data.length) {
    const entry = entryAt(data, offset);
    if (entry) {
      entries.push(entry);
      offset += entry.length;
      continue;
    }
    const next = nextEntryAfter(data, offset);
    if (next === undefined) break;
    skipped.push([offset, next - offset]);
    offset = next;
  }
  return { entries, end: offset, skipped };
}

function nextEntryAfter(data: Buffer, offset: number): number | undefined {
  for (let at = data.indexOf(magic, offset + 1); at >= 0; at = data.indexOf(magic, at + 1)) if (entryAt(data, at)) return at;
  return undefined;
}

function checksum(offset: number, type: EntryType, payload: Buffer): number {
  const position = Buffer.alloc(9);
  position.writeBigUInt64LE(BigInt(offset), 0);
  position.writeUInt8(type, 8);
  return crc32(payload, crc32(position));
}

/** The bytes of the entry at `location` in the segment file `path` (check them with entryAt). */
export async function readEntryBytes(path: string, { offset, length }: { offset: number; length: number }): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const data = Buffer.alloc(length);
    const { bytesRead } = await file.read(data, 0, length, offset);
    return data.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
