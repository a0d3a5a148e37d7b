// A mail sent again because its 250 was lost keeps its first id; two real mails are never merged.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { mailRecord } from '../../src/smtp/mail-record.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { ResendKeyReader, resendIdentityOf, resendKeyOfMail } from '../../src/spool/resend-key.js';
import { readJournal } from '../helpers/journal.js';

const envelope = {
  from: 'cam@garden.local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const withId = (messageId: string, body = 'Motion detected') =>
  Buffer.from(
    `From: cam@garden.local\r\nMessage-ID: ${messageId}\r\nDate: Sat, 21 Nov 2026 18:03:12 +0100\r\nSubject: Alarm\r\n\r\n${body}\r\n`,
  );
const withoutId = (body = 'Zone:1 Terrasse, Innenbereich Alarm') =>
  Buffer.from(`From: xt1@panel.local\r\nSubject: Alarm\r\n\r\n${body}\r\n`);

function keyOf(chunks: Buffer[], to = envelope): string | undefined {
  const reader = new ResendKeyReader();
  for (const chunk of chunks) reader.update(chunk);
  return reader.key(to);
}

/** The message cut at the given offsets, as TCP may deliver it. */
function cut(message: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((offset) => offset % (message.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((start, index) => message.subarray(start, points[index] ?? message.length)).filter((chunk) => chunk.length > 0);
}

describe('resendIdentityOf', () => {
  it('reads the field whatever its case, unfolds a continued line, and finds nothing when it is absent', () => {
    const date = 'Date: Sat, 21 Nov 2026 18:03:12 +0100\r\n';
    assert.equal(resendIdentityOf(`From: a@b\r\nMessage-ID: <1@cam>\r\n${date}`), '<1@cam>');
    assert.equal(resendIdentityOf(`message-id:<2@cam>\n${date}`), '<2@cam>');
    assert.equal(resendIdentityOf(`From: a@b\r\nMessage-Id:\r\n <3@cam>\r\nSubject: x\r\n${date}`), '<3@cam>');
    assert.equal(resendIdentityOf(`From: a@b\r\nX-Message-ID: <4@cam>\r\n${date}`), undefined);
    assert.equal(resendIdentityOf(`From: a@b\r\nMessage-ID: \r\n${date}`), undefined);
    // Without a date, two real motions from a naive camera can be byte for byte the same: never merged.
    assert.equal(resendIdentityOf('From: a@b\r\nMessage-ID: <5@cam>\r\n'), undefined);
  });
});

describe('ResendKeyReader', () => {
  it('gives the same key however the bytes are cut into chunks', () => {
    const message = withId('<1@cam>', 'x'.repeat(300));
    const whole = keyOf([message]);
    assert.ok(whole);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (offsets) => keyOf(cut(message, offsets)) === whole),
      { numRuns: 500 },
    );
  });

  it('differs with the bytes, the sender or the recipients, and is absent without a Message-ID', () => {
    const key = keyOf([withId('<1@cam>')]);
    assert.notEqual(keyOf([withId('<1@cam>', 'Motion detected again')]), key, 'a constant Message-ID with other content');
    assert.notEqual(keyOf([withId('<2@cam>')]), key);
    assert.notEqual(keyOf([withId('<1@cam>')], { ...envelope, from: 'other@garden.local' }), key);
    assert.notEqual(keyOf([withId('<1@cam>')], { ...envelope, recipients: ['status@bridge.local'] }), key);
    assert.equal(keyOf([withoutId()]), undefined);
  });

  it('looks for the Message-ID in the header only, and only in its first 64 KB', () => {
    assert.equal(keyOf([Buffer.from('From: a@b\r\n\r\nMessage-ID: <in-the-body@cam>\r\n')]), undefined);
    assert.equal(keyOf([Buffer.from('\r\nMessage-ID: <after-an-empty-header@cam>\r\n')]), undefined);
    assert.ok(
      keyOf([Buffer.from('From: a@b\r\nDate: Sat, 21 Nov 2026 18:03:12 +0100\r\nMessage-ID: <no-body@cam>\r\n')]),
      'a mail that is all header',
    );
    const longHeader = Buffer.from(
      `X-Filler: ${'a'.repeat(70 * 1024)}\r\nMessage-ID: <late@cam>\r\nDate: Sat, 21 Nov 2026 18:03:12 +0100\r\n\r\nbody\r\n`,
    );
    assert.equal(keyOf(cut(longHeader, [1000, 40_000, 65_000])), undefined);
  });
});

describe('JournalSpool and resent mails', () => {
  let dataDir: string;
  const opened: JournalSpool[] = [];
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-resend-'))));
  after(async () => {
    for (const spool of opened) await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openSpool(folder: string, now?: () => number, segmentBytes?: number): Promise<JournalSpool> {
    const spool = new JournalSpool(join(dataDir, folder), {
      resendKeyOf: resendKeyOfMail,
      ...(now ? { now } : {}),
      ...(segmentBytes ? { segmentBytes, maxSegments: 2 } : {}),
    });
    await spool.open();
    opened.push(spool);
    return spool;
  }

  async function store(spool: JournalSpool, message: Buffer, to = envelope) {
    const draft = await spool.write(mailRecord(to, Readable.from([message]), 1024 * 1024));
    return draft.commit();
  }

  it('keeps the first id for the same mail sent again, also after the bridge restarted, and stores it once', async () => {
    const spool = await openSpool('a');
    const first = await store(spool, withId('<1@cam>'));
    assert.equal(first.resent, false);
    const again = await store(spool, withId('<1@cam>'));
    assert.deepEqual([again.id, again.resent, again.record], [first.id, true, undefined]);
    await spool.close();
    const restarted = await openSpool('a'); // the crash came between the commit and the client reading its 250
    const afterRestart = await store(restarted, withId('<1@cam>'));
    assert.deepEqual([afterRestart.id, afterRestart.resent], [first.id, true]);
    assert.deepEqual(await restarted.pending(), [first.id], 'one mail in the spool');
    assert.deepEqual((await readJournal(join(dataDir, 'a'))).records.length, 1, 'the copy is not stored');
  });

  it('keeps the first id after the segment that held the first mail is gone (each new segment opens with the keys)', async () => {
    const spool = await openSpool('rotated', undefined, 2048);
    const first = await store(spool, withId('<rotated@cam>'));
    await spool.retire(first.id);
    for (let index = 0; index < 30; index++) await spool.retire((await store(spool, withoutId(`mail ${index}`))).id);
    await spool.close();
    const segments = await readdir(join(dataDir, 'rotated', 'spool', 'journal'));
    assert.ok(!segments.includes('0000000001.log'), `the first segment is gone: ${segments.join(' ')}`);
    const restarted = await openSpool('rotated', undefined, 2048);
    const resent = await store(restarted, withId('<rotated@cam>'));
    assert.deepEqual([resent.id, resent.resent], [first.id, true]);
  });

  it('recognises the mail after the first one was delivered and retired', async () => {
    const spool = await openSpool('b');
    const first = await store(spool, withId('<1@cam>'));
    await spool.retire(first.id);
    assert.deepEqual([(await store(spool, withId('<1@cam>'))).id, (await spool.pending()).length], [first.id, 0]);
  });

  it('stores every mail without a Message-ID, even byte for byte the same (the XT1 repeats its lines)', async () => {
    const spool = await openSpool('c');
    const ids = [(await store(spool, withoutId())).id, (await store(spool, withoutId())).id];
    assert.notEqual(ids[0], ids[1]);
    assert.deepEqual(await spool.pending(), ids);
  });

  it('stores a mail with the same Message-ID but other bytes or another envelope as a mail of its own', async () => {
    const spool = await openSpool('d');
    const first = await store(spool, withId('<constant@cam>', 'Motion 1'));
    const otherBytes = await store(spool, withId('<constant@cam>', 'Motion 2'));
    const otherRecipient = await store(spool, withId('<constant@cam>', 'Motion 1'), { ...envelope, recipients: ['status@bridge.local'] });
    assert.deepEqual([otherBytes.resent, otherRecipient.resent], [false, false]);
    assert.deepEqual(await spool.pending(), [first.id, otherBytes.id, otherRecipient.id]);
  });

  it('forgets a mail after the window, in memory and at the next open', async () => {
    let now = Date.now();
    const spool = await openSpool('e', () => now);
    const first = await store(spool, withId('<1@cam>'));
    now += 16 * 60 * 1000;
    const later = await store(spool, withId('<1@cam>'));
    assert.equal(later.resent, false, 'a quarter of an hour later it is a new mail');
    assert.notEqual(later.id, first.id);
    await spool.close();
    const newest = await openSpool('e', () => now);
    assert.equal((await store(newest, withId('<1@cam>'))).id, later.id, 'within the window after a reopen: the same mail');
    await newest.close();
    now += 16 * 60 * 1000;
    const reopened = await openSpool('e', () => now);
    assert.equal((await store(reopened, withId('<1@cam>'))).resent, false, 'past the window after a reopen: a new mail');
  });

  it('still hands mails on in id order when some have a Message-ID (a resend key) and others not', async () => {
    const spool = await openSpool('h');
    const drafts = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        spool.write(mailRecord(envelope, Readable.from([index % 2 ? withId(`<${index}@cam>`) : withoutId(`mail ${index}`)]), 1024)),
      ),
    );
    const handedOn: string[] = [];
    await Promise.all(drafts.map(async (draft) => handedOn.push((await draft.commit()).id)));
    assert.deepEqual(handedOn, [...handedOn].sort());
  });

  it('answers for a copy only once the first is durable, and forgets a first whose commit failed', async () => {
    const spool = await openSpool('f');
    const drafts = await Promise.all([1, 2].map(() => spool.write(mailRecord(envelope, Readable.from([withId('<1@cam>')]), 1024))));
    const [first, second] = await Promise.all(drafts.map((draft) => draft.commit()));
    assert.deepEqual([second?.id, second?.resent], [first?.id, true]);

    const failing = await openSpool('g');
    const draft = await failing.write(mailRecord(envelope, Readable.from([withId('<2@cam>')]), 1024));
    await failing.close(); // the commit cannot be made durable: the client is told 451 and sends it again
    await assert.rejects(draft.commit(), { name: 'SpoolUnavailable' });
    assert.deepEqual((await readJournal(join(dataDir, 'g'))).records, [], 'nothing stored');
    const retried = await openSpool('g');
    const stored = await store(retried, withId('<2@cam>'));
    assert.equal(stored.resent, false, 'the retry is stored, not answered with the id of a mail that was never kept');
    assert.deepEqual(await retried.pending(), [stored.id]);
  });
});
