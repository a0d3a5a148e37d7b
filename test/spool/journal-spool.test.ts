// The journal spool beyond the contract: its segments after a crash (a torn tail cut off, a damaged entry skipped),
// a batch that cannot be written, commits sharing one fdatasync, big bodies in files of their own, segments
// rotated and compacted around a record pending for long, and the takeover of a file spool's data_dir.
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { decodeRecord, EntryType, encodeEntry, jsonEntry, scanSegment } from '../../src/spool/journal-file.js';
import { JournalSpool, type JournalSpoolOptions } from '../../src/spool/journal-spool.js';
import type { RecordToStore } from '../../src/spool/spool.js';
import { capturedLogger } from '../helpers/captured-log.js';
import { cleanUp } from '../helpers/cleanup.js';
import { bodiesWithBytes } from '../helpers/journal.js';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';

const envelope = { from: 'xt1@panel.local', recipients: ['alarm@bridge.local'], receivedAt: '2026-11-21T18:03:12.345Z' };
const mail = (text: string, maxBytes = 1024 * 1024): RecordToStore => ({
  kind: 'mail',
  header: envelope,
  body: Readable.from([Buffer.from('Subject: x\r\n\r\n'), Buffer.from(text)]),
  maxBytes,
});
const disk = await mountTmpfs(1024);
const firstSegment = (dataDir: string) => join(dataDir, 'spool', 'journal', '0000000001.log');

async function store(spool: JournalSpool, record: RecordToStore): Promise<string> {
  return (await (await spool.write(record)).commit()).id;
}

describe('JournalSpool', () => {
  let root: string;
  const opened: JournalSpool[] = [];
  before(async () => (root = await mkdtemp(join(tmpdir(), 'amb-journal-'))));
  after(async () => {
    for (const spool of opened) await spool.close();
    await rm(root, { recursive: true, force: true });
  });

  async function openSpool(dataDir: string, options: JournalSpoolOptions = {}): Promise<JournalSpool> {
    const spool = new JournalSpool(dataDir, options);
    await spool.open();
    opened.push(spool);
    return spool;
  }

  it('cuts off a torn entry at the end of the last segment (a crash mid-write: never acknowledged)', async () => {
    const dataDir = join(root, 'torn');
    const spool = await openSpool(dataDir);
    const ids = [await store(spool, mail('one')), await store(spool, mail('two'))];
    await spool.close();
    const { size } = await stat(firstSegment(dataDir));
    const whole = encodeEntry(jsonEntry(EntryType.retired, { id: ids[0] }), size);
    await appendFile(firstSegment(dataDir), whole.subarray(0, whole.length - 3));
    const reopened = await openSpool(dataDir);
    assert.deepEqual(await reopened.pending(), ids, 'the torn retirement never happened');
    assert.equal((await stat(firstSegment(dataDir))).size, size, 'the torn bytes are gone');
    const third = await store(reopened, mail('three'));
    await reopened.close();
    const again = await openSpool(dataDir);
    assert.deepEqual(await again.pending(), [...ids, third]);
    assert.equal((await again.read(third)).body.toString(), 'Subject: x\r\n\r\nthree');
  });

  it('skips a damaged entry in the middle and keeps the ones after it, saying so in the log', async () => {
    const dataDir = join(root, 'damaged');
    const spool = await openSpool(dataDir);
    const ids = [await store(spool, mail('one')), await store(spool, mail('two')), await store(spool, mail('three'))];
    await spool.close();
    const data = await readFile(firstSegment(dataDir));
    const second = scanSegment(data).entries.filter(({ type }) => type === EntryType.record)[1];
    assert.ok(second);
    data.writeUInt8((data.readUInt8(second.offset + second.length - 2) ^ 0xff) & 0xff, second.offset + second.length - 2);
    await writeFile(firstSegment(dataDir), data);
    const { log, logs } = capturedLogger();
    const reopened = await openSpool(dataDir, { log });
    assert.deepEqual(await reopened.pending(), [ids[0], ids[2]]);
    assert.equal((await reopened.read(ids[2] as string)).body.toString(), 'Subject: x\r\n\r\nthree');
    assert.deepEqual(
      logs.map(({ msg, offset }) => [msg, offset]),
      [['damaged bytes in the spool journal skipped', second.offset]],
    );
    assert.equal((await stat(firstSegment(dataDir))).size, data.length, 'only a damaged end is cut off');
  });

  it('makes many concurrent commits durable with few fdatasyncs, each carrying several records', async () => {
    const carried: number[] = [];
    const spool = await openSpool(join(root, 'group'), { onSynced: (commits) => carried.push(commits) });
    const drafts = await Promise.all(Array.from({ length: 50 }, (_, index) => spool.write(mail(`mail ${index}`))));
    const synced = () => carried.reduce((sum, commits) => sum + commits, 0);
    let resolved = 0;
    const committed = await Promise.all(
      drafts.map(async (draft) => {
        const result = await draft.commit();
        resolved += 1;
        assert.ok(synced() >= resolved, 'a commit resolves only after an fdatasync that carried it');
        return result;
      }),
    );
    assert.equal(synced(), 50);
    assert.ok(carried.length <= 5, `50 commits took ${carried.length} fdatasyncs`);
    assert.deepEqual(await spool.pending(), committed.map(({ id }) => id).sort());
  });

  it('keeps a body over the in-memory limit in a file of its own, removed when the record retires or was never committed', async () => {
    const dataDir = join(root, 'big');
    const bodies = join(dataDir, 'spool', 'bodies');
    const spool = await openSpool(dataDir);
    const photo = 'x'.repeat(2 * 1024 * 1024);
    const { id, record } = await (await spool.write(mail(photo, 3 * 1024 * 1024))).commit();
    assert.equal(record, undefined, 'too big to be handed on in memory');
    assert.equal((await spool.read(id)).body.length, photo.length + 'Subject: x\r\n\r\n'.length);
    const [bodyFile] = await bodiesWithBytes(dataDir);
    assert.ok(bodyFile);
    await spool.write(mail(photo, 3 * 1024 * 1024)); // never committed: the client went away
    assert.equal((await bodiesWithBytes(dataDir)).length, 2);
    await spool.close();
    const reopened = await openSpool(dataDir);
    assert.deepEqual(await readdir(bodies), [bodyFile], 'the draft and the empty spare files are gone');
    assert.equal((await reopened.read(id)).body.subarray(-4).toString(), 'xxxx');
    await reopened.retire(id);
    await reopened.close();
    assert.deepEqual(await readdir(bodies), []);
  });

  it('drops a record whose body file is gone at open (removed after a retirement whose entry a power cut lost)', async () => {
    const dataDir = join(root, 'bodiless');
    const bodies = join(dataDir, 'spool', 'bodies');
    const spool = await openSpool(dataDir);
    const photo = (text: string): RecordToStore => ({
      ...mail(`${text}${'x'.repeat(300 * 1024)}`),
      resendKey: { update: () => undefined, key: () => `key of ${text}` },
    });
    const lost = (await (await spool.write(photo('lost'))).commit()).id;
    const kept = (await (await spool.write(photo('kept'))).commit()).id;
    await spool.close();
    const [first] = scanSegment(await readFile(firstSegment(dataDir))).entries.filter(({ type }) => type === EntryType.record);
    assert.ok(first);
    await rm(join(bodies, decodeRecord(first.payload).meta.bodyFile as string));
    const reopened = await openSpool(dataDir);
    assert.deepEqual(await reopened.pending(), [kept]);
    const again = await (await reopened.write(photo('lost'))).commit();
    assert.equal(again.resent, false, 'its resend key is forgotten with it: the copy sent again is stored');
    assert.notEqual(again.id, lost);
  });

  it('quarantines a record in the file format the quarantine keeps, and puts it back as a new record', async () => {
    const spool = await openSpool(join(root, 'quarantine'));
    const id = await store(spool, mail('not a mail'));
    await spool.quarantine(id, 'no parse');
    assert.deepEqual(await spool.pending(), []);
    const kept = await spool.quarantined.read(id);
    assert.equal(kept?.toString(), `${JSON.stringify({ kind: 'mail', ...envelope })}\nSubject: x\r\n\r\nnot a mail`);
    const requeued = await spool.requeue(id);
    assert.ok(requeued && requeued.id > id);
    assert.deepEqual(await spool.pending(), [requeued.id]);
    assert.equal(spool.quarantined.count, 0);
  });

  it('puts a quarantined record back once under a new id, also when asked twice at once', async () => {
    const spool = await openSpool(join(root, 'requeue'));
    const id = await store(spool, mail('Zone:4 Keller Feueralarm'));
    await spool.quarantine(id, 'the parser worker crashed');
    const [first, second] = await Promise.all([spool.requeue(id), spool.requeue(id)]);
    const requeued = first ?? second;
    assert.ok(requeued && !(first && second), 'once');
    assert.deepEqual(await spool.pending(), [requeued.id]);
    assert.deepEqual((await spool.read(requeued.id)).header, envelope);
    assert.equal(await spool.requeue(id), undefined, 'no longer kept');
  });

  it('answers whether it can store a record now, leaving nothing behind', async () => {
    const dataDir = join(root, 'probe');
    const spool = await openSpool(dataDir);
    await spool.probe();
    assert.deepEqual(await spool.pending(), []);
    assert.deepEqual(await readdir(join(dataDir, 'spool', 'bodies')), []);
    assert.deepEqual(await readdir(join(dataDir, 'spool', 'journal')), []);
    await rm(join(dataDir, 'spool', 'journal'), { recursive: true });
    await assert.rejects(spool.probe(), { code: 'ENOENT' });
  });

  it('rotates segments and copies a record pending for long forward, so old segments go; it replays with its id and deliveries', async () => {
    const dataDir = join(root, 'rotation');
    const journal = join(dataDir, 'spool', 'journal');
    const options = { segmentBytes: 4096, maxSegments: 3 };
    const spool = await openSpool(dataDir, options);
    const waiting = await store(spool, mail('for an output that is down'));
    spool.recordDelivery(waiting, 'mqtt');
    for (let index = 0; index < 60; index++) await spool.retire(await store(spool, mail(`done ${index} ${'y'.repeat(500)}`)));
    await spool.close();
    const segments = await readdir(journal);
    assert.ok(segments.length <= 4, `segments kept: ${segments.join(' ')}`);
    assert.ok(!segments.includes('0000000001.log'), 'the first segment went although its record is still pending');
    const reopened = await openSpool(dataDir, options);
    assert.deepEqual(await reopened.pending(), [waiting]);
    assert.equal((await reopened.read(waiting)).body.toString(), 'Subject: x\r\n\r\nfor an output that is down');
    assert.deepEqual([...reopened.deliveredTo(waiting)], ['mqtt']);
  });

  describe('taking over the data_dir of the file spool', () => {
    const ids = ['20261121T180312345Z-000000-0a1b2c3d', '20261121T180313000Z-000000-1b2c3d4e', '20261121T180314000Z-000000-2c3d4e5f'];
    async function fileSpoolDataDir(dataDir: string): Promise<void> {
      const mails = join(dataDir, 'spool', 'mails');
      await mkdir(mails, { recursive: true });
      await mkdir(join(dataDir, 'spool', 'incoming'));
      await writeFile(join(dataDir, 'spool', 'incoming', 'draft.eml'), 'never answered');
      for (const [index, id] of ids.entries())
        await writeFile(join(mails, `${id}.eml`), `${JSON.stringify({ kind: 'mail', ...envelope })}\nSubject: x\r\n\r\nZone:${index}\r\n`);
      await writeFile(join(mails, `${ids[0]}.0123456789abcdef0123456789abcdef.received`), '');
      await writeFile(join(dataDir, 'spool', 'delivered.log'), `${ids[0]} mqtt\n${ids[1]} mqtt\n${ids[1]} sms\n${ids[2]} tel`);
    }
    async function assertTakenOver(spool: JournalSpool, dataDir: string): Promise<void> {
      assert.deepEqual(await spool.pending(), ids);
      for (const [index, id] of ids.entries())
        assert.deepEqual(await spool.read(id), {
          id,
          kind: 'mail',
          header: envelope,
          body: Buffer.from(`Subject: x\r\n\r\nZone:${index}\r\n`),
        });
      assert.deepEqual(
        ids.map((id) => [...spool.deliveredTo(id)]),
        [['mqtt'], ['mqtt', 'sms'], []],
        'a line cut short by a crash tells nothing',
      );
      assert.deepEqual((await readdir(join(dataDir, 'spool'))).sort(), ['bodies', 'journal']);
      assert.ok((await store(spool, mail('after'))) > (ids[2] as string), 'new ids sort after the taken-over ones');
    }

    it('replays the pending mails with their ids and delivered outputs, and removes the old files', async () => {
      const dataDir = join(root, 'takeover');
      await fileSpoolDataDir(dataDir);
      await assertTakenOver(await openSpool(dataDir), dataDir);
    });

    it('takes over files whose header cannot be read with their ids, to be read as RecordUnreadable (then quarantined)', async () => {
      const dataDir = join(root, 'takeover-damaged');
      const mails = join(dataDir, 'spool', 'mails');
      await mkdir(mails, { recursive: true });
      const damaged = ['20261121T180312345Z-000000-00000001', '20261121T180312345Z-000001-00000002', '20261121T180312345Z-000002-00000003'];
      await writeFile(join(mails, `${damaged[0]}.eml`), '{"from":"xt1@pan');
      await writeFile(join(mails, `${damaged[1]}.eml`), 'garbage\nSubject: x\r\n\r\n');
      await writeFile(join(mails, `${damaged[2]}.eml`), '{"kind":7}\nbody');
      const spool = await openSpool(dataDir);
      assert.deepEqual(await spool.pending(), damaged);
      for (const id of damaged) await assert.rejects(spool.read(id), { name: 'RecordUnreadable' }, id);
      await spool.quarantine(damaged[1] as string, 'unreadable');
      assert.equal((await spool.quarantined.read(damaged[1] as string))?.toString(), 'garbage\nSubject: x\r\n\r\n', 'kept as it was');
    });

    it('neither loses nor doubles a record when the takeover was interrupted and runs again', async () => {
      const dataDir = join(root, 'takeover-again');
      const backup = join(root, 'takeover-backup');
      await fileSpoolDataDir(dataDir);
      await cp(join(dataDir, 'spool'), backup, { recursive: true });
      const first = await openSpool(dataDir);
      await first.close();
      // A crash after the journal was synced and before the old files were all removed, the last entry torn.
      const segment = await readFile(firstSegment(dataDir));
      const lastRecord = scanSegment(segment).entries.findLast((entry) => entry.type === EntryType.record);
      assert.ok(lastRecord);
      await truncate(firstSegment(dataDir), lastRecord.offset + 20);
      await rm(join(dataDir, 'spool', 'bodies'), { recursive: true });
      await cp(backup, join(dataDir, 'spool'), { recursive: true });
      await assertTakenOver(await openSpool(dataDir), dataDir);
    });
  });

  it('refuses every commit of a batch that cannot be written, leaves nothing of it, and commits again once there is room', {
    skip: disk ? false : 'cannot mount a tmpfs here (needs root)',
  }, async (t) => {
    t.after(() => cleanUp(() => (disk ? unmountTmpfs(disk) : undefined)));
    const dataDir = join(disk as string, 'data');
    const spool = await openSpool(dataDir);
    const kept = await store(spool, mail('before'));
    const { size } = await stat(firstSegment(dataDir));
    const filler = join(disk as string, 'filler');
    await fillUp(filler);
    const drafts = await Promise.all(Array.from({ length: 5 }, (_, index) => spool.write(mail(`${index} ${'z'.repeat(20_000)}`))));
    const outcomes = await Promise.allSettled(drafts.map((draft) => draft.commit()));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as Error).name),
      Array(5).fill('SpoolUnavailable'),
    );
    assert.equal((await stat(firstSegment(dataDir))).size, size, 'the batch was cut off again');
    assert.deepEqual(await spool.pending(), [kept]);
    await spool.retire(kept); // written into what is left of the file's last page, or with the next batch
    await rm(filler);
    const later = await store(spool, mail('after'));
    await spool.close();
    const reopened = await openSpool(dataDir);
    assert.deepEqual(await reopened.pending(), [later], 'the retirement was kept');
    await reopened.close();
  });
});
