// Reading the journal back at open: every segment in order, into the pending records (where each one's entry is),
// which outputs have their events, and the resend keys. A damaged or torn end of the last segment is cut off (it was
// never acknowledged: its fdatasync never returned); damage elsewhere is skipped, and the entries after it are kept.
import { readdir, readFile, rename, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { type EntryLocation, segmentName } from './group-commit.js';
import { decodeJson, decodeRecord, EntryType, type RecentKey, scanSegment } from './journal-file.js';

export interface ReplayedJournal {
  /** Records neither retired nor quarantined: where their entry is, and their body file if they have one. */
  pending: Map<string, { location: EntryLocation; bodyFile: string | undefined }>;
  delivered: Map<string, Set<string>>;
  /** Resend keys in journal order (older first), expired ones included: the window sorts them out. */
  recentKeys: RecentKey[];
  /** Every record id the journal holds, done or not. */
  seen: Set<string>;
  /** Where writing goes on: the last segment, and the end of its last valid entry. */
  segment: number;
  end: number;
}

/** The segments' numbers, oldest first. */
export async function segmentNumbers(folder: string): Promise<number[]> {
  const names = await readdir(folder);
  return names
    .filter((name) => /^\d{10}\.log$/.test(name))
    .map((name) => Number(name.slice(0, 10)))
    .sort((a, b) => a - b);
}

export async function replayJournal(folder: string, log: Pick<Logger, 'warn' | 'error'> | undefined): Promise<ReplayedJournal> {
  const journal: ReplayedJournal = { pending: new Map(), delivered: new Map(), recentKeys: [], seen: new Set(), segment: 1, end: 0 };
  const segments = await segmentNumbers(folder);
  for (const segment of segments) {
    const path = join(folder, segmentName(segment));
    const data = await readFile(path).catch(async (error: unknown) => {
      // A segment the disk cannot read (a bad sector of an SD card) must not keep the bridge from starting: it is set
      // aside for a human, its records are lost (or, retired ones, replayed: better than no alarms at all).
      log?.error({ err: error, segment: segmentName(segment) }, 'spool journal segment unreadable: set aside as .unreadable');
      await rename(path, `${path}.unreadable`);
      return undefined;
    });
    if (data === undefined) continue;
    const { entries, end, skipped } = scanSegment(data);
    for (const [offset, length] of skipped)
      log?.warn({ segment: segmentName(segment), offset, bytes: length }, 'damaged bytes in the spool journal skipped');
    if (end < data.length) {
      if (segment === segments.at(-1)) await truncate(path, end);
      else
        log?.warn(
          { segment: segmentName(segment), offset: end, bytes: data.length - end },
          'damaged end of a spool journal segment skipped',
        );
    }
    for (const entry of entries) {
      try {
        apply(journal, entry.type, entry.payload, { segment, offset: entry.offset, length: entry.length });
      } catch {} // the crc matched but the content is not ours (a later version's entry): nothing to apply
    }
    journal.segment = segment;
    journal.end = end;
  }
  return journal;
}

function apply(journal: ReplayedJournal, type: EntryType, payload: Buffer, location: EntryLocation): void {
  if (type === EntryType.record) {
    const { meta } = decodeRecord(payload);
    journal.seen.add(meta.id);
    // A record copied forward by a compaction: the later copy is where it is read from.
    journal.pending.set(meta.id, { location, bodyFile: meta.bodyFile });
    if (meta.key) journal.recentKeys.push([meta.key, meta.id, meta.at]);
  } else if (type === EntryType.delivered) {
    const { id, output } = decodeJson<{ id: string; output: string }>(payload);
    if (!journal.pending.has(id)) return;
    const outputs = journal.delivered.get(id) ?? new Set<string>();
    outputs.add(output);
    journal.delivered.set(id, outputs);
  } else if (type === EntryType.retired || type === EntryType.quarantined) {
    const { id } = decodeJson<{ id: string }>(payload);
    journal.pending.delete(id);
    journal.delivered.delete(id);
  } else if (type === EntryType.recent) {
    journal.recentKeys.push(...decodeJson<RecentKey[]>(payload));
  }
}
