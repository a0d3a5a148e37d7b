// Taking over a data_dir of the file spool (up to 0.x: one `spool/mails/<id>.eml` per record, `spool/delivered.log`,
// `<id>.<key>.received` markers, drafts in `spool/incoming/`). Each pending file is read one at a time and handed to
// `append` with its id and delivered outputs; only once all of them are durable in the journal are the old files
// removed. A crash in between leaves files whose ids the journal already has: the next start skips those and
// removes them, so a record is neither lost nor doubled.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf } from '../errors.js';

export interface OldRecord {
  id: string;
  /** The file's bytes: header line, then body. */
  data: Buffer;
  /** When the file was last written (ms since the epoch), for the resend window. */
  storedAt: number;
  delivered: string[];
}

/** At most this many bytes of old records wait in memory for their sync. */
const maxUnsyncedBytes = 8 * 1024 * 1024;

/**
 * Appends the old spool's pending records the journal lacks (`known` ids), oldest first, waits until they are
 * durable, then removes the old spool's files. Resolves with how many records were taken over.
 */
export async function takeOverFileSpool(
  spoolDir: string,
  known: (id: string) => boolean,
  append: (record: OldRecord) => Promise<void>,
): Promise<number> {
  const mails = join(spoolDir, 'mails');
  const names = await readdir(mails).catch((error: unknown) => (codeOf(error) === 'ENOENT' ? undefined : Promise.reject(error)));
  if (!names) return 0;
  const delivered = await deliveredOutputs(join(spoolDir, 'delivered.log'));
  const ids = names
    .filter((name) => name.endsWith('.eml'))
    .map((name) => name.slice(0, -4))
    .sort();
  let taken = 0;
  let unsynced: Promise<void>[] = [];
  let unsyncedBytes = 0;
  for (const id of ids) {
    if (known(id)) continue;
    const path = join(mails, `${id}.eml`);
    const [data, { mtimeMs }] = await Promise.all([readFile(path), stat(path)]);
    unsynced.push(append({ id, data, storedAt: mtimeMs, delivered: [...(delivered.get(id) ?? [])] }));
    unsyncedBytes += data.length;
    taken += 1;
    if (unsyncedBytes > maxUnsyncedBytes) {
      await Promise.all(unsynced);
      unsynced = [];
      unsyncedBytes = 0;
    }
  }
  await Promise.all(unsynced);
  // Every record is durable in the journal now: the old files only say it twice. The folder is moved out of the way
  // first, in one step that fails loudly: a file left in `mails/` would be taken over again at a later start, after
  // its id's segment is gone, and replayed. Removing the moved folder is then only tidying up.
  const takenOver = join(spoolDir, 'mails.taken-over');
  await rm(takenOver, { recursive: true, force: true });
  await rename(mails, takenOver);
  await rm(takenOver, { recursive: true, force: true }).catch(() => undefined);
  await rm(join(spoolDir, 'delivered.log'), { force: true });
  await rm(join(spoolDir, 'incoming'), { recursive: true, force: true });
  return taken;
}

/** `delivered.log`: one line `<id> <output>` per delivery; a last line without newline was cut short by a crash. */
async function deliveredOutputs(path: string): Promise<Map<string, Set<string>>> {
  const text = await readFile(path, 'latin1').catch((error: unknown) => (codeOf(error) === 'ENOENT' ? '' : Promise.reject(error)));
  const byId = new Map<string, Set<string>>();
  const lines = text.split('\n');
  lines.pop();
  for (const line of lines) {
    const [id, output, ...rest] = line.split(' ');
    if (!id || !output || rest.length > 0) continue;
    const outputs = byId.get(id) ?? new Set<string>();
    outputs.add(output);
    byId.set(id, outputs);
  }
  return byId;
}
