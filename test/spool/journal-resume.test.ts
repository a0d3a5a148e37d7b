// A segment made just before a kill -9, before its first batch was written, is resumed at the next start: it must
// still get the entries a segment opens with (the resend keys of the last 15 minutes), or they are gone once the
// older segments are, and a mail sent again becomes a second event with an id of its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import type { RecordToStore } from '../../src/spool/spool.js';

const keyed = (text: string): RecordToStore => ({
  kind: 'mail',
  header: {},
  body: Buffer.from(text),
  maxBytes: 1024,
  resendKey: { update: () => undefined, key: () => `key of ${text}` },
});

describe('JournalSpool resuming an empty segment', () => {
  let dataDir: string;
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-journal-resume-'))));
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('writes the opening entries into it, so a mail sent again within the window keeps its id', async () => {
    let spool = new JournalSpool(dataDir);
    await spool.open();
    const first = await (await spool.write(keyed('A'))).commit();
    await spool.retire(first.id);
    await spool.close();
    // The next segment as a kill right after it was made leaves it: there, empty.
    await writeFile(join(dataDir, 'spool', 'journal', '0000000002.log'), '');
    spool = new JournalSpool(dataDir);
    await spool.open();
    await (await spool.write(keyed('B'))).commit();
    await spool.close();
    spool = new JournalSpool(dataDir);
    await spool.open();
    try {
      const again = await (await spool.write(keyed('A'))).commit();
      assert.deepEqual([again.resent, again.id], [true, first.id]);
    } finally {
      await spool.close();
    }
  });
});
