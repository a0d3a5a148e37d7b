// The event log from bus facts alone: each output's result as its facts come (in the order the outputs tell them),
// masked texts, its bound, and what it keeps across a restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageProgress } from '../../../src/core/bus.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { EventLog, maxLoggedEvents } from '../../../src/features/http/event-log.js';
import { alarmEvent } from '../../helpers/alarm-event.js';

const time = Date.parse('2026-12-03T06:00:00.000Z');

/** Subscribers are told in batches: `flush()` runs the batch a timer would. */
const pending: (() => void)[] = [];
const flush = () => {
  for (const run of pending.splice(0)) run();
};

function newLog() {
  return new EventLog({ outputs: ['mqtt', 'sms'], mask: maskNumbersIn, now: () => time, later: (run) => pending.push(run) });
}

function progress(state: MessageProgress['state'], more: Partial<MessageProgress> = {}): MessageProgress {
  return {
    output: 'sms',
    eventId: 'e1',
    messageId: 'e1_abc',
    recipient: '*********4567',
    state,
    time: new Date(time).toISOString(),
    ...more,
  };
}

describe('event log', () => {
  it('starts each output pending and follows its facts to the end', () => {
    const log = newLog();
    const seen: string[] = [];
    log.subscribe((view) => seen.push(`${view.delivery.mqtt?.result}/${view.delivery.sms?.result}`));
    log.onEvent(alarmEvent({ id: 'e1' }));
    flush();
    log.onDelivery({ output: 'mqtt', eventId: 'e1', result: 'delivered' });
    flush();
    // The outbox tells of its message before the pipeline tells the output has the event.
    log.onMessage(progress('queued'));
    flush();
    log.onDelivery({ output: 'sms', eventId: 'e1', result: 'delivered', messages: 1 });
    flush();
    log.onMessage(progress('retrying', { nextAttempt: '2026-12-03T06:00:05.000Z', reason: 'HTTP 503 from +491701234567' }));
    flush();
    log.onMessage(progress('sent'));
    flush();
    assert.deepEqual(seen, [
      'pending/pending',
      'published/pending',
      'published/queued',
      'published/queued',
      'published/retrying',
      'published/sent',
    ]);
    const [view] = log.latest(1);
    assert.deepEqual(view?.delivery.sms?.messages, [
      { id: 'e1_abc', recipient: '*********4567', result: 'sent', time: '2026-12-03T06:00:00.000Z' },
    ]);
  });

  it('tells a burst of changes as one message per event, in the order they last changed', () => {
    const log = newLog();
    const seen: string[] = [];
    log.subscribe((view) => seen.push(`${view.id} ${view.delivery.mqtt?.result}`));
    log.onEvent(alarmEvent({ id: 'e1' }));
    log.onEvent(alarmEvent({ id: 'e2' }));
    log.onDelivery({ output: 'mqtt', eventId: 'e1', result: 'delivered' });
    assert.deepEqual(seen, []);
    assert.equal(pending.length, 1, 'one timer for the burst');
    flush();
    assert.deepEqual(seen, ['e2 pending', 'e1 published']);
  });

  it('says retrying with the next attempt and the masked reason while any message waits', () => {
    const log = newLog();
    log.onEvent(alarmEvent({ id: 'e1' }));
    log.onMessage(progress('sent', { messageId: 'e1_one' }));
    log.onMessage(
      progress('retrying', { messageId: 'e1_two', nextAttempt: '2026-12-03T06:01:00.000Z', reason: 'no answer from +491701234567' }),
    );
    const sms = log.latest(1)[0]?.delivery.sms;
    assert.deepEqual([sms?.result, sms?.next_attempt], ['retrying', '2026-12-03T06:01:00.000Z']);
    assert.ok(!sms?.reason?.includes('1701234567'), sms?.reason);
  });

  it('says skipped for an event not for a messaging output, and retrying with the reason for a failed attempt', () => {
    const log = newLog();
    log.onEvent(alarmEvent({ id: 'e1' }));
    log.onDelivery({ output: 'sms', eventId: 'e1', result: 'delivered', messages: 0 });
    log.onDelivery({ output: 'mqtt', eventId: 'e1', result: 'retrying', error: new Error('broker down') });
    const delivery = log.latest(1)[0]?.delivery;
    assert.equal(delivery?.sms?.result, 'skipped');
    assert.deepEqual([delivery?.mqtt?.result, delivery?.mqtt?.reason], ['retrying', 'broker down']);
  });

  it('masks numbers in every text from a mail', () => {
    const log = newLog();
    log.onEvent(
      alarmEvent({ id: 'e1', text: 'call +491701234567', recipients: ['+491701234567@sms.local'], subject: 'to 01701234567', from: 'x@y' }),
    );
    assert.ok(!JSON.stringify(log.latest(1)).includes('1701234567'));
  });

  it('names the provider a message went through, the fallback after a failover', () => {
    const log = newLog();
    log.onEvent(alarmEvent({ id: 'e1' }));
    log.onMessage(progress('queued', { provider: 'cm' }));
    log.onMessage(progress('sent', { provider: 'twilio' }));
    assert.deepEqual(log.latest(1)[0]?.delivery.sms?.messages, [
      { id: 'e1_abc', recipient: '*********4567', result: 'sent', time: '2026-12-03T06:00:00.000Z', provider: 'twilio' },
    ]);
  });

  it("masks a raised event's own recipients (to), which the page and its file would otherwise show in full", () => {
    const log = newLog();
    log.onEvent(
      alarmEvent({ id: 'e1', input: 'raised', to: { sms: ['+491701234567'], call: ['+491701234567'], telegram: ['123456789'] } }),
    );
    const [view] = log.latest(1);
    assert.deepEqual(view?.to, { sms: ['*********4567'], telegram: ['*****6789'], call: ['*********4567'] });
    assert.ok(!JSON.stringify(log.toJSON()).includes('1701234567'));
  });

  it(`keeps the ${maxLoggedEvents} newest, newest first, and a replay in place of its first`, () => {
    const log = newLog();
    for (let index = 0; index < maxLoggedEvents + 5; index++) log.onEvent(alarmEvent({ id: `e${String(index).padStart(3, '0')}` }));
    log.onDelivery({ output: 'mqtt', eventId: 'e010', result: 'delivered' });
    log.onEvent(alarmEvent({ id: 'e010' }));
    const all = log.latest(1000);
    assert.equal(all.length, maxLoggedEvents);
    assert.equal(all[0]?.id, 'e010');
    assert.equal(all[0]?.delivery.mqtt?.result, 'published', 'a replay keeps what was done');
    assert.equal(all.at(-1)?.id, 'e005');
    assert.equal(log.latest(3).length, 3);
  });

  it('takes back what it kept, and ignores what is not an event', () => {
    const log = newLog();
    log.onEvent(alarmEvent({ id: 'e1' }));
    log.onMessage(progress('retrying', { nextAttempt: '2026-12-03T06:01:00.000Z' }));
    const restored = newLog();
    restored.restore(JSON.parse(JSON.stringify([...log.toJSON(), { id: 3 }, 'junk', null])));
    assert.deepEqual(restored.latest(10), log.latest(10));
    // The message that was retrying at the stop is sent after the restart: the row says sent, one message.
    restored.onMessage(progress('sent'));
    const sms = restored.latest(1)[0]?.delivery.sms;
    assert.deepEqual([sms?.result, sms?.messages?.length], ['sent', 1]);
  });

  it('skips kept entries of another shape instead of failing', () => {
    const restored = newLog();
    const wrong = [
      { id: 'a', time: 't', text: 'x', category: 'alarm', type: 'intrusion', delivery: { mqtt: null } },
      {
        id: 'b',
        time: 't',
        text: 'x',
        category: 'alarm',
        type: 'intrusion',
        delivery: { sms: { result: 'sent', time: 't', messages: {} } },
      },
      { id: 'c', time: 't', text: 'x', category: 'alarm', type: 'intrusion', images: 'none', delivery: {} },
    ];
    assert.doesNotThrow(() => restored.restore(wrong));
    assert.deepEqual(restored.latest(10), []);
  });
});
