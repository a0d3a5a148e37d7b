// The contract every spool must keep, run against each implementation (the journal spool; another one joins the
// list): a committed record reads back as stored, ids sort in commit order, a reopened spool
// replays what is pending with the same ids, a resent record keeps the first id, retired and quarantined records
// leave, the delivery record survives a reopen, and a record that cannot be stored fails as SpoolUnavailable.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import type { RecordToStore, ResendKeyGatherer, Spool, SpoolRecord } from '../../src/spool/spool.js';

interface Implementation {
  name: string;
  /** A spool over `dataDir`; `resendKeyOf` as the composition root would give it. */
  create(dataDir: string, resendKeyOf: (record: SpoolRecord) => string | undefined): Spool;
}

const implementations: Implementation[] = [
  { name: 'JournalSpool', create: (dataDir, resendKeyOf) => new JournalSpool(dataDir, { resendKeyOf }) },
];

/** A resend key of the test's own: the body's hash, for bodies that start with `keyed:`. */
function bodyKey(): ResendKeyGatherer {
  const hash = createHash('sha256');
  let head = '';
  return {
    update: (chunk) => {
      hash.update(chunk);
      head ||= chunk.toString('utf8', 0, 6);
    },
    key: () => (head === 'keyed:' ? hash.digest('hex') : undefined),
  };
}
const keyOfStored = (record: SpoolRecord) =>
  record.body.subarray(0, 6).toString() === 'keyed:' ? createHash('sha256').update(record.body).digest('hex') : undefined;

const mail = (text: string, maxBytes = 1024): RecordToStore => ({
  kind: 'mail',
  header: {
    from: 'xt1@panel.local',
    recipients: ['alarm@bridge.local'],
    receivedAt: '2026-11-21T18:03:12.345Z',
    remoteAddress: '127.0.0.1',
  },
  body: Readable.from([Buffer.from('Subject: x\r\n\r\n'), Buffer.from(text)]),
  maxBytes,
});
const raised = (text: string): RecordToStore => ({
  kind: 'raised',
  header: { raisedAt: '2026-11-21T18:03:12.345Z' },
  body: Buffer.from(JSON.stringify({ text })),
  maxBytes: 1024,
});
const keyed = (text: string): RecordToStore => ({
  kind: 'raised',
  header: {},
  body: Buffer.from(`keyed:${text}`),
  maxBytes: 1024,
  resendKey: bodyKey(),
});

for (const implementation of implementations) {
  describe(`Spool contract: ${implementation.name}`, () => {
    let root: string;
    const opened: Spool[] = [];
    before(async () => (root = await mkdtemp(join(tmpdir(), 'amb-spool-contract-'))));
    after(async () => {
      for (const spool of opened) await spool.close();
      await rm(root, { recursive: true, force: true });
    });

    async function openSpool(folder: string): Promise<Spool> {
      const spool = implementation.create(join(root, folder), keyOfStored);
      await spool.open();
      opened.push(spool);
      return spool;
    }

    async function store(spool: Spool, record: RecordToStore) {
      return (await spool.write(record)).commit();
    }

    it('reads a committed record back with its kind, header and body, byte for byte, and hands small ones over in memory', async () => {
      const spool = await openSpool('read-back');
      const draft = await spool.write(mail('Zone:1 Tür, DC Open\r\n'));
      assert.equal(draft.oversized, false);
      assert.deepEqual(await spool.pending(), [], 'a draft is no promise yet');
      const { id, record, resent } = await draft.commit();
      assert.equal(resent, false);
      const read = await spool.read(id);
      assert.deepEqual(read, {
        id,
        kind: 'mail',
        header: {
          from: 'xt1@panel.local',
          recipients: ['alarm@bridge.local'],
          receivedAt: '2026-11-21T18:03:12.345Z',
          remoteAddress: '127.0.0.1',
        },
        body: Buffer.from('Subject: x\r\n\r\nZone:1 Tür, DC Open\r\n'),
      });
      assert.deepEqual(record, read, 'the record in memory is the one on disk');
      const other = await store(spool, raised('Panel silent'));
      assert.deepEqual(
        { ...(await spool.read(other.id)), id: '' },
        { id: '', kind: 'raised', header: { raisedAt: '2026-11-21T18:03:12.345Z' }, body: Buffer.from('{"text":"Panel silent"}') },
      );
    });

    it('gives ids in the order records are committed, of any kind, and lists pending records in that order', async () => {
      const spool = await openSpool('order');
      const ids: string[] = [];
      for (let index = 0; index < 20; index++)
        ids.push((await store(spool, index % 3 ? mail(`mail ${index}`) : raised(`raised ${index}`))).id);
      assert.deepEqual(ids, [...ids].sort());
      assert.deepEqual(await spool.pending(), ids);
      const drafts = await Promise.all(Array.from({ length: 10 }, (_, index) => spool.write(mail(`concurrent ${index}`))));
      const committed = await Promise.all(drafts.map((draft) => draft.commit()));
      assert.deepEqual(await spool.pending(), [...ids, ...committed.map(({ id }) => id).sort()]);
    });

    it('replays after a reopen: the same ids, the same records, and new ids after them', async () => {
      const spool = await openSpool('replay');
      const first = await store(spool, mail('before the crash'));
      const second = await store(spool, raised('before the crash too'));
      const forgotten = await spool.write(mail('never committed'));
      void forgotten;
      await spool.close();
      const reopened = await openSpool('replay');
      assert.deepEqual(await reopened.pending(), [first.id, second.id], 'the uncommitted draft is gone');
      assert.equal((await reopened.read(second.id)).kind, 'raised');
      const third = await store(reopened, mail('after the restart'));
      assert.ok(third.id > second.id, 'ids continue after the newest pending one');
    });

    it('keeps the first id for a record sent again, also after a reopen, and stores it once', async () => {
      const spool = await openSpool('resend');
      const first = await store(spool, keyed('one'));
      const again = await store(spool, keyed('one'));
      assert.deepEqual([again.id, again.resent, again.record], [first.id, true, undefined]);
      assert.equal((await store(spool, keyed('two'))).resent, false, 'another body is another record');
      await spool.close();
      const reopened = await openSpool('resend');
      const afterReopen = await store(reopened, keyed('one'));
      assert.deepEqual([afterReopen.id, afterReopen.resent], [first.id, true]);
      assert.equal((await reopened.pending()).length, 2);
    });

    it('retires a record: no longer pending, no longer readable', async () => {
      const spool = await openSpool('retire');
      const { id } = await store(spool, mail('done'));
      await spool.retire(id);
      assert.deepEqual(await spool.pending(), []);
      await assert.rejects(spool.read(id), { code: 'ENOENT' });
    });

    it('quarantines a record that could not be read: it leaves the pending ones and is counted in the quarantine', async () => {
      const spool = await openSpool('quarantine');
      const { id } = await store(spool, mail('broken'));
      const kept = await store(spool, raised('fine'));
      await spool.quarantine(id, 'not a mail');
      assert.deepEqual(await spool.pending(), [kept.id]);
      assert.equal(spool.quarantined.count, 1);
    });

    it("remembers across a reopen which outputs have a pending record's event, and forgets it once the record is retired", async () => {
      const spool = await openSpool('delivered');
      const { id } = await store(spool, mail('half delivered'));
      const other = await store(spool, raised('not delivered'));
      spool.recordDelivery(id, 'mqtt');
      await spool.close();
      const reopened = await openSpool('delivered');
      assert.deepEqual([...reopened.deliveredTo(id)], ['mqtt']);
      assert.deepEqual([...reopened.deliveredTo(other.id)], []);
      reopened.recordDelivery(id, 'sms');
      await reopened.retire(id);
      assert.deepEqual([...reopened.deliveredTo(id)], []);
    });

    it('stores no more than the limit: an oversized draft is discarded and leaves nothing', async () => {
      const spool = await openSpool('oversized');
      const draft = await spool.write(mail('x'.repeat(5000), 1024));
      assert.equal(draft.oversized, true);
      await draft.discard();
      assert.deepEqual(await spool.pending(), []);
    });

    it('fails with SpoolUnavailable when a record cannot be stored, and keeps nothing of it', async () => {
      const spool = await openSpool('failing');
      const broken = new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
      await assert.rejects(spool.write({ kind: 'mail', header: {}, body: broken, maxBytes: 1024 }), { name: 'SpoolUnavailable' });
      const draft = await spool.write(mail('answered 451'));
      await spool.close(); // a stop that outran the transaction: the commit cannot be made durable
      await assert.rejects(draft.commit(), { name: 'SpoolUnavailable' });
      const reopened = await openSpool('failing');
      assert.deepEqual(await reopened.pending(), [], 'the sender was told to retry: no copy may be processed as well');
    });
  });
}
