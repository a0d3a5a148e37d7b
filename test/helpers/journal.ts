// What the spool's journal in a data_dir holds, read from outside the bridge (as it would be after a crash): the
// records committed, with their resend keys, and which of them are still pending.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJson, decodeRecord, EntryType, scanSegment } from '../../src/spool/journal-file.js';

export interface JournalContents {
  /** Every record entry, in journal order. */
  records: { id: string; kind: string; key: string | undefined }[];
  /** Ids neither retired nor quarantined, sorted. */
  pending: string[];
}

export async function readJournal(dataDir: string): Promise<JournalContents> {
  const folder = join(dataDir, 'spool', 'journal');
  const names = (await readdir(folder).catch(() => [])).filter((name) => name.endsWith('.log')).sort();
  const records: JournalContents['records'] = [];
  const pending = new Set<string>();
  for (const name of names) {
    for (const { type, payload } of scanSegment(await readFile(join(folder, name))).entries) {
      if (type === EntryType.record) {
        const { meta } = decodeRecord(payload);
        records.push({ id: meta.id, kind: meta.kind, key: meta.key });
        pending.add(meta.id);
      } else if (type === EntryType.retired || type === EntryType.quarantined) {
        pending.delete(decodeJson<{ id: string }>(payload).id);
      }
    }
  }
  return { records, pending: [...pending].sort() };
}

/** The files under `spool/bodies/` that hold a body (the spool also keeps a few empty ones made ahead). */
export async function bodiesWithBytes(dataDir: string): Promise<string[]> {
  const folder = join(dataDir, 'spool', 'bodies');
  const names = await readdir(folder).catch(() => []);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(folder, name))).size));
  return names.filter((_, index) => (sizes[index] ?? 0) > 0);
}
