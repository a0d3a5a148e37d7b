// The parser in its worker thread: the same Mail as parsing in place, and a mail that exhausts its time budget
// becomes unparsable without holding up the bridge; the next mail gets a fresh worker.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Bus } from '../../src/core/bus.js';
import { IsolatedParser } from '../../src/mail/isolated-parser.js';
import { MailUnparsable } from '../../src/mail/unparsable.js';

const envelope = {
  from: 'cam@local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const xt1 = Buffer.from('From: xt1@panel.local\r\nSubject: XT1\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n');
const snapshot = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const withSnapshot = Buffer.from(
  'From: cam@local\r\nSubject: Motion\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
    '--b\r\nContent-Type: text/plain\r\n\r\nMotion detected\r\n' +
    `--b\r\nContent-Type: image/jpeg; name=snap.jpg\r\nContent-Disposition: attachment; filename=snap.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n${snapshot.toString('base64')}\r\n--b--\r\n`,
);
/** 64 MB of text lines: mailparser needs well over a second for it here, the XT1 line a few milliseconds. */
const slowToParse = Buffer.concat([Buffer.from('Subject: huge\r\n\r\n'), Buffer.alloc(64 * 1024 * 1024, 'Zone:1 Terrasse Alarm\r\n')]);

describe('IsolatedParser', () => {
  const parsers: IsolatedParser[] = [];
  const parserWith = (options: ConstructorParameters<typeof IsolatedParser>[0]) => {
    const parser = new IsolatedParser(options);
    parsers.push(parser);
    return parser;
  };
  after(async () => {
    for (const parser of parsers) await parser.close();
  });

  it('returns the text, headers and attachments, with attachment contents as Buffers', async () => {
    const parser = parserWith({});
    const [first, second] = await Promise.all([parser.parse(xt1, envelope), parser.parse(withSnapshot, envelope)]);
    assert.deepEqual(
      [first.headerFrom, first.subject, first.text.trim()],
      ['xt1@panel.local', 'XT1', 'Zone:1 Terrasse, Innenbereich Alarm'],
    );
    assert.equal(second.text.trim(), 'Motion detected');
    const [attachment] = second.attachments;
    assert.ok(attachment && Buffer.isBuffer(attachment.content));
    assert.deepEqual([attachment.filename, attachment.contentType, attachment.content], ['snap.jpg', 'image/jpeg', snapshot]);
  });

  it('gives up a mail that takes longer than its time budget, then parses the next one in a new worker', async () => {
    const parser = parserWith({ timeBudgetMs: 250 });
    const [slow, next] = await Promise.allSettled([parser.parse(slowToParse, envelope), parser.parse(withSnapshot, envelope)]);
    assert.ok(slow.status === 'rejected' && slow.reason instanceof MailUnparsable);
    assert.match((slow.reason as Error).message, /took longer than 250 ms/);
    assert.equal(next.status === 'fulfilled' && next.value.text.trim(), 'Motion detected');
  });

  it('tells the bus when a worker is replaced, with why, by the time the mail that hung it is given up', async () => {
    const bus = new Bus((_name, error) => assert.fail(String(error)));
    const restarts: string[] = [];
    bus.on('parserRestarted', ({ reason }) => restarts.push(reason));
    const parser = parserWith({ timeBudgetMs: 250, bus });
    await parser.parse(xt1, envelope);
    assert.deepEqual(restarts, [], 'a parse that ends in time replaces no worker');
    const slow = parser.parse(slowToParse, envelope).then(
      () => [...restarts],
      () => [...restarts],
    );
    assert.deepEqual(await slow, ['took longer than 250 ms']);
    assert.equal((await parser.parse(withSnapshot, envelope)).text.trim(), 'Motion detected');
    assert.deepEqual(restarts, ['took longer than 250 ms'], 'the fresh worker parsed without another restart');
  });

  it('ends a worker left idle, and starts one again for the next mail with parts; small mails need none', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const parser = parserWith({ idleEndMs: 50 });
    assert.equal((await parser.parse(xt1, envelope)).subject, 'XT1');
    assert.equal(threads(), before, 'a small mail of one part is parsed in place');
    assert.equal((await parser.parse(withSnapshot, envelope)).text.trim(), 'Motion detected');
    const working = threads();
    assert.ok(working > before, 'a mail with parts has its worker');
    // Ended after 50 idle ms: the thread goes (the test's timeout is the bound if it never did).
    while (threads() >= working) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await parser.parse(withSnapshot, envelope)).text.trim(), 'Motion detected', 'a new worker once needed');
  });

  it('refuses work once closed', async () => {
    const parser = parserWith({});
    await parser.close();
    await assert.rejects(parser.parse(xt1, envelope), /closed/);
  });
});
