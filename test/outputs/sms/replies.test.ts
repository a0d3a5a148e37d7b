// Replies to the alarm SMS, read from Twilio's message log through the SDK against the fake's documented inbound
// list (DateSent by GMT day, paging), with mock timers and clock: looks only while an incident is open, every 15 s,
// backing off while Twilio fails; each message once, only those after the incident opened, with the events whose
// SMS or call went to the sender.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it, type TestContext } from 'node:test';
import type { BusEvents, IncidentFacts } from '../../../src/core/bus.js';
import { maskNumber } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import { ReplyWatcher } from '../../../src/outputs/sms/replies/index.js';
import { TwilioInbox } from '../../../src/outputs/sms/replies/twilio-inbox.js';
import { FakeTwilio, twilioError } from '../../helpers/fake-twilio.js';

const ourNumber = '+15005550006';
const someone = '+491701234567';
const pollMs = 15_000;

describe('replies', () => {
  const twilio = new FakeTwilio();
  const running: ReplyWatcher[] = [];

  before(() => twilio.start());
  after(() => twilio.stop());
  beforeEach(() => {
    twilio.reads.length = 0;
    twilio.scriptedReads.length = 0;
    twilio.messages.length = 0;
  });
  afterEach(async () => {
    for (const watcher of running.splice(0)) await watcher.stop();
  });

  /** The sent jobs the watcher may ask about: to `someone`, for these events, stored at these times. */
  function start(t: TestContext, sent: { to: string; eventId: string; createdAt: number }[] = [], failing = { sentTo: false }) {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-12-03T06:00:00.000Z') });
    const replies: BusEvents['reply'][] = [];
    const logs: Record<string, unknown>[] = [];
    const watcher = new ReplyWatcher(
      { ourNumber, pollMs, maxBackoffMs: 5 * 60_000 },
      {
        inbox: new TwilioInbox({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiUrl: twilio.url, timeoutMs: 5_000 }),
        sentTo: async (number, sinceMs) => {
          if (failing.sentTo) throw new SyntaxError('Unexpected end of JSON input (a done job cut short)');
          return sent.filter((job) => job.to === number && job.createdAt >= sinceMs);
        },
        onReply: (reply) => replies.push(reply),
        log: createLogger({
          level: 'debug',
          destination: new Writable({
            write: (chunk: Buffer, _encoding, done) => {
              for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
              done();
            },
          }),
        }),
        now: Date.now,
      },
    );
    watcher.start();
    running.push(watcher);
    const looks = () => twilio.reads;
    /** Lets the look under way (real HTTP) finish. */
    const settle = async (count: number) => {
      for (let spins = 0; spins < 2000 && looks().length < count; spins++) await new Promise((resolve) => setImmediate(resolve));
      for (let spins = 0; spins < 50; spins++) await new Promise((resolve) => setImmediate(resolve));
    };
    return { watcher, replies, logs, looks, settle };
  }

  const incident = (state: IncidentFacts['state'], openedAt: string, eventIds: string[] = ['alarm-1']): IncidentFacts => ({
    id: 'incident-1',
    state,
    openedAt,
    eventIds,
    level: 0,
  });

  it('looks only while an incident is open, every 15 s, with To and the GMT day it opened', async (t) => {
    const { watcher, looks, settle } = start(t);
    t.mock.timers.tick(60_000);
    await settle(0);
    assert.equal(looks().length, 0, 'no incident, no look');
    // Opened a minute before midnight GMT: the day to ask for is the day before the clock's.
    watcher.incident(incident('open', '2026-12-02T23:59:00.000Z'));
    await settle(1);
    t.mock.timers.tick(pollMs);
    await settle(2);
    t.mock.timers.tick(pollMs);
    await settle(3);
    assert.equal(looks().length, 3);
    const query = new URL(looks()[0]?.path ?? '', 'http://x').searchParams;
    assert.deepEqual([query.get('To'), query.get('DateSent>')], [ourNumber, '2026-12-02']);
    watcher.incident(incident('acknowledged', '2026-12-02T23:59:00.000Z'));
    t.mock.timers.tick(10 * pollMs);
    await settle(3);
    assert.equal(looks().length, 3, 'acknowledged: no more looks');
  });

  it('survives a record of sent messages it cannot read: a failed look, logged, and the reply heard once it can', async (t) => {
    const failing = { sentTo: true };
    const { watcher, replies, logs, looks, settle } = start(
      t,
      [{ to: someone, eventId: 'alarm-1', createdAt: Date.parse('2026-12-03T06:00:01.000Z') }],
      failing,
    );
    twilio.receive({ from: someone, to: ourNumber, body: 'ok', dateSent: new Date('2026-12-03T06:00:30.000Z') });
    watcher.incident(incident('open', '2026-12-03T06:00:00.000Z'));
    await settle(1);
    assert.deepEqual(replies, []);
    assert.ok(logs.some((line) => line.msg === 'cannot match replies to the SMS sent'));
    failing.sentTo = false;
    t.mock.timers.tick(10 * pollMs);
    await settle(2);
    assert.ok(looks().length >= 2, 'it looks again');
    assert.deepEqual(
      replies.map(({ text, eventIds }) => [text, eventIds]),
      [['ok', ['alarm-1']]],
    );
  });

  it('stops looking a day after an incident opened that nobody acknowledges', async (t) => {
    const { watcher, looks, settle } = start(t);
    watcher.incident(incident('open', '2026-12-03T06:00:00.000Z'));
    await settle(1);
    for (let look = 2; look <= 5; look++) {
      t.mock.timers.tick(pollMs);
      await settle(look);
    }
    t.mock.timers.tick(24 * 3600_000);
    await settle(6);
    const after = looks().length;
    t.mock.timers.tick(10 * pollMs);
    await settle(after);
    assert.equal(looks().length, after, 'no look a day after it opened');
    assert.ok(after <= 6, `at most one look after the day ended, ${after}`);
  });

  it('tells each reply after the incident opened once, trimmed and masked, with the events that went to that number', async (t) => {
    const openedAt = Date.parse('2026-12-03T05:50:00.000Z');
    const { watcher, replies, settle } = start(t, [
      { to: someone, eventId: 'alarm-1', createdAt: openedAt - 2_000 }, // the alarm's own SMS, stored just before
      { to: someone, eventId: 'level-2', createdAt: openedAt + 300_000 },
      { to: someone, eventId: 'later', createdAt: Date.parse('2026-12-03T06:00:30.000Z') }, // after the reply
      { to: '+4915199990001', eventId: 'other', createdAt: openedAt + 1_000 },
    ]);
    twilio.receive({ from: someone, to: ourNumber, body: 'ok from before', dateSent: new Date('2026-12-03T05:40:00.000Z') });
    twilio.receive({
      from: someone,
      to: ourNumber,
      body: `  OK, call me at 0170 7654321 ${'x'.repeat(200)}`,
      dateSent: new Date('2026-12-03T05:59:00.000Z'),
    });
    twilio.receive({ from: someone, to: '+15005550007', body: 'ok to another number', dateSent: new Date('2026-12-03T05:59:30.000Z') });
    watcher.incident(incident('open', new Date(openedAt).toISOString()));
    await settle(1);
    t.mock.timers.tick(pollMs);
    await settle(2);
    assert.equal(replies.length, 1, 'once, though seen on two looks');
    const [reply] = replies;
    assert.deepEqual(
      [reply?.output, reply?.from, reply?.time, reply?.eventIds],
      ['sms', '*********4567', '2026-12-03T05:59:00.000Z', ['alarm-1', 'level-2']],
    );
    assert.ok(reply?.text.startsWith(`OK, call me at ${maskNumber('0170 7654321')} xxx`), reply?.text);
    assert.equal([...(reply?.text ?? '')].length, 160);
  });

  it('takes a reply within the second the incident opened: Twilio tells times in whole seconds', async (t) => {
    const { watcher, replies, settle } = start(t);
    twilio.receive({ from: someone, to: ourNumber, body: 'ok', dateSent: new Date('2026-12-03T05:59:59.900Z') });
    watcher.incident(incident('open', '2026-12-03T05:59:59.500Z'));
    await settle(1);
    assert.deepEqual(
      replies.map((reply) => [reply.text, reply.time]),
      [['ok', '2026-12-03T05:59:59.000Z']],
    );
  });

  it('reads every page of a busy day, up to its bound', async (t) => {
    const { watcher, replies, looks, settle } = start(t);
    for (let index = 0; index < 120; index++)
      twilio.receive({
        from: `+4915199990${String(index).padStart(3, '0')}`,
        to: ourNumber,
        body: `ok ${index}`,
        dateSent: new Date('2026-12-03T05:59:00.000Z'),
      });
    watcher.incident(incident('open', '2026-12-03T05:00:00.000Z'));
    await settle(3);
    assert.equal(replies.length, 120);
    assert.equal(looks().length, 3, 'three pages of 50');
    assert.equal(new URL(looks()[2]?.path ?? '', 'http://x').searchParams.get('Page'), '2', 'followed next_page_uri');
  });

  it('backs off while Twilio cannot be read, says so once, and reads the replies once it can', async (t) => {
    twilio.scriptedReads.push(...Array.from({ length: 3 }, () => twilioError(503, 20500, 'Service unavailable')));
    const { watcher, replies, logs, looks, settle } = start(t);
    twilio.receive({ from: someone, to: ourNumber, body: 'ok', dateSent: new Date('2026-12-03T05:59:00.000Z') });
    watcher.incident(incident('open', '2026-12-03T05:00:00.000Z'));
    await settle(1);
    for (const waitMs of [2 * pollMs, 4 * pollMs, 8 * pollMs]) {
      const seen = looks().length;
      t.mock.timers.tick(waitMs - 1);
      await settle(seen);
      assert.equal(looks().length, seen, `not before ${waitMs} ms`);
      t.mock.timers.tick(1);
      await settle(seen + 1);
    }
    assert.equal(looks().length, 4);
    assert.equal(replies.length, 1);
    assert.deepEqual(
      logs.filter((line) => Number(line.level) >= 40).map((line) => line.msg),
      ['cannot read replies from Twilio, will look again'],
    );
    assert.ok(logs.some((line) => line.msg === 'reading replies from Twilio again'));
  });
});
