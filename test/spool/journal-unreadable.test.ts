// A journal segment the disk cannot read (a bad sector; here a folder in its place, which fails the read alike) must
// not keep the bridge from starting: it is set aside, said in the log, and the spool takes mails again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { capturedLogger } from '../helpers/captured-log.js';

describe('JournalSpool with an unreadable segment', () => {
  let dataDir: string;
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-journal-unreadable-'))));
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('sets it aside, logs it as an error and stores mails again', async () => {
    const journal = join(dataDir, 'spool', 'journal');
    await mkdir(join(journal, '0000000001.log'), { recursive: true });
    const { log, logs } = capturedLogger();
    const spool = new JournalSpool(dataDir, { log });
    await spool.open();
    try {
      assert.deepEqual(
        logs.map(({ msg, level }) => [msg, level]),
        [['spool journal segment unreadable: set aside as .unreadable', 50]],
      );
      assert.ok((await readdir(journal)).includes('0000000001.log.unreadable'));
      const stored = await (await spool.write({ kind: 'mail', header: {}, body: Buffer.from('x'), maxBytes: 10 })).commit();
      assert.deepEqual(await spool.pending(), [stored.id]);
    } finally {
      await spool.close();
    }
  });
});
