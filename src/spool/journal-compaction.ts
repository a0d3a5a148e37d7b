// Keeping the journal small: old segments go once no pending record is in them, oldest first (a later segment may
// hold the retirement of a record in an earlier one, so a segment never goes before the ones older than it). A record
// pending for long (an output down for days) would keep every segment written since: past `maxSegments`, the oldest
// segment's pending records, when they fill at most half of it, are copied forward with their deliveries (same ids,
// made durable) and the segment goes. So the journal stays within about maxSegments segments plus twice what is pending.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type EntryLocation, segmentName } from './group-commit.js';
import { EntryType, entryAt, type JournalEntry, jsonEntry, readEntryBytes } from './journal-file.js';
import { segmentNumbers } from './journal-replay.js';
import type { PendingRecord, PendingRecords } from './pending-records.js';

export interface CompactionDeps {
  folder: string;
  pending: PendingRecords;
  delivered: ReadonlyMap<string, ReadonlySet<string>>;
  /** The segment being written: never removed. */
  currentSegment: () => number;
  append: (entry: JournalEntry, durable: boolean) => Promise<EntryLocation>;
  segmentBytes: number;
  maxSegments: number;
}

export async function reclaimSegments(deps: CompactionDeps): Promise<void> {
  for (;;) {
    const segments = await segmentNumbers(deps.folder);
    const oldest = segments[0];
    if (oldest === undefined || oldest >= deps.currentSegment()) return;
    const live = deps.pending.usage(oldest);
    if (!live) {
      await unlink(join(deps.folder, segmentName(oldest)));
      continue;
    }
    if (segments.length <= deps.maxSegments || live.bytes > deps.segmentBytes / 2) return;
    await copyForward(deps, oldest);
    if (deps.pending.usage(oldest)) return; // a copy failed (a full disk, a damaged entry): tried again later
  }
}

/** The segment's pending records and their deliveries, appended again with the same ids, then durable. */
async function copyForward({ folder, pending, delivered, append }: CompactionDeps, segment: number): Promise<void> {
  const copies: { id: string; entry: JournalEntry; from: PendingRecord }[] = [];
  for (const [id, record] of [...pending.records()].filter(([, record]) => record.location.segment === segment)) {
    const entry = entryAt(await readEntryBytes(join(folder, segmentName(segment)), record.location), 0, record.location.offset);
    if (entry) copies.push({ id, entry: { type: entry.type, payload: entry.payload }, from: record });
  }
  // Appended in one go (one batch, one sync), and only for records still pending now: a retirement queued before
  // the copy would otherwise be overtaken by it.
  const moves = copies
    .filter(({ id, from }) => pending.get(id) === from)
    .map(({ id, entry, from }) => {
      const written = append(entry, true);
      for (const output of delivered.get(id) ?? [])
        void append(jsonEntry(EntryType.delivered, { id, output }), true).catch(() => undefined);
      return written.then((location) => {
        if (pending.get(id) === from) pending.set(id, { location, bodyFile: from.bodyFile });
      });
    });
  await Promise.all(moves);
}
