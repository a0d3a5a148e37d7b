// The durable file spool beyond the contract: its files. Drafts of an interrupted transaction are dropped, a file
// written before records had kinds is a mail, a file whose header cannot be read is RecordUnreadable.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { mailRecord } from '../../src/smtp/mail-record.js';
import { FileSpool } from '../../src/spool/file-spool.js';

const envelope = {
  from: 'xt1@panel.local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const message = (text: string) => Readable.from([Buffer.from('Subject: x\r\n\r\n'), Buffer.from(text)]);

describe('FileSpool', () => {
  let dataDir: string;
  const opened: FileSpool[] = [];
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-spool-'))));
  after(async () => {
    for (const spool of opened) await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openSpool(folder: string): Promise<FileSpool> {
    const spool = new FileSpool(join(dataDir, folder));
    await spool.open();
    opened.push(spool);
    return spool;
  }

  it('drops drafts left by an interrupted transaction when it opens', async () => {
    const spool = await openSpool('b');
    await spool.write(mailRecord(envelope, message('never answered'), 1024));
    await spool.open();
    assert.deepEqual(await readdir(join(dataDir, 'b', 'spool', 'incoming')), []);
    assert.deepEqual(await spool.pending(), []);
  });

  it('writes a record as one JSON line of kind and header, then the body, where older versions kept mails', async () => {
    const spool = await openSpool('format');
    const { id } = await (await spool.write(mailRecord(envelope, message('Zone:1 Tür'), 1024))).commit();
    const file = await readFile(join(dataDir, 'format', 'spool', 'mails', `${id}.eml`), 'utf8');
    assert.equal(file, `${JSON.stringify({ kind: 'mail', ...envelope })}\nSubject: x\r\n\r\nZone:1 Tür`);
  });

  it('reads a file without a kind, as versions before kinds wrote it, as a mail', async () => {
    const mails = join(dataDir, 'old', 'spool', 'mails');
    await mkdir(mails, { recursive: true });
    const id = '20261121T180312345Z-000000-0a1b2c3d';
    await writeFile(join(mails, `${id}.eml`), `${JSON.stringify(envelope)}\nSubject: x\r\n\r\nZone:1 Tür\r\n`);
    const spool = await openSpool('old');
    assert.deepEqual(await spool.pending(), [id]);
    assert.deepEqual(await spool.read(id), { id, kind: 'mail', header: envelope, body: Buffer.from('Subject: x\r\n\r\nZone:1 Tür\r\n') });
  });

  it('says RecordUnreadable for a file whose header line is not a JSON object or is missing', async () => {
    const mails = join(dataDir, 'damaged', 'spool', 'mails');
    await mkdir(mails, { recursive: true });
    await writeFile(join(mails, '20261121T180312345Z-000000-00000001.eml'), '{"from":"xt1@pan');
    await writeFile(join(mails, '20261121T180312345Z-000001-00000002.eml'), 'garbage\nSubject: x\r\n\r\n');
    await writeFile(join(mails, '20261121T180312345Z-000002-00000003.eml'), '{"kind":7}\nbody');
    const spool = await openSpool('damaged');
    for (const id of await spool.pending()) await assert.rejects(spool.read(id), { name: 'RecordUnreadable' }, id);
  });

  it('moves a quarantined record to the quarantine folder, where a human can look at it', async () => {
    const spool = await openSpool('e');
    const { id } = await (await spool.write(mailRecord(envelope, message('broken'), 1024))).commit();
    await spool.quarantine(id);
    assert.deepEqual(await spool.pending(), []);
    assert.deepEqual(await readdir(join(dataDir, 'e', 'quarantine')), [`${id}.eml`]);
  });

  it('puts a quarantined record back once under a new id, also when asked twice at once', async () => {
    const spool = await openSpool('requeue');
    const { id } = await (await spool.write(mailRecord(envelope, message('Zone:4 Keller Feueralarm'), 1024))).commit();
    await spool.quarantine(id, 'the parser worker crashed');
    const [first, second] = await Promise.all([spool.requeue(id), spool.requeue(id)]);
    const requeued = first ?? second;
    assert.ok(requeued && !(first && second), 'once');
    assert.notEqual(requeued.id, id);
    assert.deepEqual(await spool.pending(), [requeued.id]);
    assert.deepEqual((await spool.read(requeued.id)).header, envelope);
    assert.equal(spool.quarantined.count, 0);
    assert.equal(await spool.requeue(id), undefined, 'no longer kept');
  });

  it('answers whether it can store a record now, leaving nothing behind', async () => {
    const spool = await openSpool('probe');
    await spool.probe();
    assert.deepEqual(await spool.pending(), []);
    assert.deepEqual(await readdir(join(dataDir, 'probe', 'spool', 'incoming')), []);
    await rm(join(dataDir, 'probe', 'spool', 'incoming'), { recursive: true });
    await assert.rejects(spool.probe(), { code: 'ENOENT' });
  });
});
