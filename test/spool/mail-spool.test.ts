// The spool: what is committed survives; drafts of an interrupted transaction do not; order is arrival order.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MailSpool } from '../../src/spool/mail-spool.js';

const envelope = { from: 'xt1@panel.local', recipients: ['alarm@bridge.local'], receivedAt: '2026-11-21T18:03:12.345Z', remoteAddress: '127.0.0.1' };
const message = (text: string) => Readable.from([Buffer.from('Subject: x\r\n\r\n'), Buffer.from(text)]);

describe('MailSpool', () => {
  let dataDir: string;
  const opened: MailSpool[] = [];
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-spool-'))));
  after(async () => {
    for (const spool of opened) await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openSpool(folder: string): Promise<MailSpool> {
    const spool = new MailSpool(join(dataDir, folder));
    await spool.open();
    opened.push(spool);
    return spool;
  }

  it('keeps a committed mail with its envelope, byte for byte, until it is retired', async () => {
    const spool = await openSpool('a');
    const draft = await spool.write(envelope, message('Zone:1 Tür, DC Open\r\n'), 1024);
    assert.deepEqual(await spool.pending(), [], 'a draft is no promise yet');
    const { id } = await draft.commit();
    const reopened = await openSpool('a');
    assert.deepEqual(await reopened.pending(), [id]);
    const entry = await reopened.read(id);
    assert.deepEqual(entry.envelope, envelope);
    assert.equal(entry.raw.toString('utf8'), 'Subject: x\r\n\r\nZone:1 Tür, DC Open\r\n');
    await reopened.retire(id);
    assert.deepEqual(await reopened.pending(), []);
  });

  it('drops drafts left by an interrupted transaction when it opens', async () => {
    const spool = await openSpool('b');
    await spool.write(envelope, message('never answered'), 1024);
    await spool.open();
    assert.deepEqual(await readdir(join(dataDir, 'b', 'spool', 'incoming')), []);
    assert.deepEqual(await spool.pending(), []);
  });

  it('stores no more than the limit of an oversized mail', async () => {
    const spool = await openSpool('c');
    const draft = await spool.write(envelope, message('x'.repeat(5000)), 1024);
    assert.equal(draft.oversized, true);
    await draft.discard();
    assert.deepEqual(await readdir(join(dataDir, 'c', 'spool', 'incoming')), []);
  });

  it('gives ids in the order mails are committed, and lists pending mails in that order, also within one millisecond', async () => {
    const spool = await openSpool('d');
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const draft = await spool.write(envelope, message(`mail ${index}`), 1024);
      ids.push((await draft.commit()).id);
    }
    assert.deepEqual(await spool.pending(), ids);
  });

  it('leaves no copy of a mail whose commit failed after the rename (the sender was told 451 and sends it again)', async () => {
    const spool = await openSpool('f');
    const draft = await spool.write(envelope, message('Zone:1 Tür, Innenbereich Alarm'), 1024);
    await spool.close(); // a stop that outran the transaction: the folder sync after the rename fails
    await assert.rejects(draft.commit(), { name: 'SpoolUnavailable' });
    assert.deepEqual(await readdir(join(dataDir, 'f', 'spool', 'mails')), []);
    assert.deepEqual(await readdir(join(dataDir, 'f', 'spool', 'incoming')), []);
  });

  it('moves an unparsable mail to quarantine instead of deleting it', async () => {
    const spool = await openSpool('e');
    const draft = await spool.write(envelope, message('broken'), 1024);
    const { id } = await draft.commit();
    await spool.quarantine(id);
    assert.deepEqual(await spool.pending(), []);
    assert.deepEqual(await readdir(join(dataDir, 'e', 'quarantine')), [`${id}.eml`]);
  });
});
