// The bridge's Prometheus metrics, counted from bus facts on a real Bus and read back through a strict text-format
// reader: each value against the facts that were told, the label bounds, and two bridges that share nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bus, type BusEventName, type MessageProgress } from '../../../src/core/bus.js';
import { BridgeMetrics, deliveryBuckets, eventLabelSetLimit, eventTimesKept } from '../../../src/features/http/metrics.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { type MetricFamily, parsePrometheusText, sampleValue } from '../../helpers/prometheus-text.js';

const arrival = Date.parse('2026-11-21T18:03:12.345Z');
const at = (seconds: number) => new Date(arrival + seconds * 1000).toISOString();

function setUp() {
  const bus = new Bus((name, error) => assert.fail(`${name} listener threw: ${String(error)}`));
  const clock = { now: arrival };
  const metrics = new BridgeMetrics(bus, { now: () => clock.now });
  const scrape = async () => parsePrometheusText(await metrics.text());
  return { bus, clock, metrics, scrape };
}

function message(eventId: string, state: MessageProgress['state'], more: Partial<MessageProgress> = {}): MessageProgress {
  return { output: 'sms', eventId, messageId: `${eventId}_a1b2`, recipient: '*********4567', state, time: at(0), ...more };
}

const value = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) =>
  sampleValue(families, `alarm_mail_bridge_${name}`, labels);

describe('bridge metrics', () => {
  it('counts mails, events, deliveries, backlogs, quarantine, parser restarts and the broker from bus facts', async () => {
    const { bus, clock, metrics, scrape } = setUp();
    const before = await scrape();
    assert.equal(value(before, 'mails_total', { result: 'accepted', code: '250' }), 0);
    assert.equal(value(before, 'broker_connected'), 0);
    assert.equal(value(before, 'quarantined_total'), 0);

    for (let i = 0; i < 3; i += 1)
      bus.emit('mailAccepted', { id: `m${i}`, from: 'xt1@panel', recipients: ['alarm@bridge.local'], remote: '192.168.1.9', bytes: 900 });
    for (const code of [550, 550, 452]) bus.emit('mailRefused', { code, reason: 'no', remote: '192.168.1.66' });

    const intrusion = alarmEvent({ time: at(0) });
    const door = alarmEvent({ time: at(0), category: 'status', type: 'door_open' });
    const camera = alarmEvent({ time: at(0), source: 'hikvision', category: 'alarm', type: 'motion' });
    for (const event of [intrusion, door, camera, alarmEvent({ time: at(0) })]) bus.emit('event', event);

    clock.now = arrival + 40;
    bus.emit('delivery', { output: 'mqtt', eventId: intrusion.id, result: 'delivered' });
    bus.emit('delivery', { output: 'mqtt', eventId: door.id, result: 'retrying', error: new Error('no PUBACK') });
    bus.emit('delivery', { output: 'sms', eventId: intrusion.id, result: 'delivered', messages: 2 });
    bus.emit('delivery', { output: 'telegram', eventId: intrusion.id, result: 'delivered', messages: 0 });
    bus.emit('delivery', { output: 'sms', eventId: door.id, result: 'delivered', messages: 0 });
    bus.emit('message', message(intrusion.id, 'queued'));
    bus.emit('message', message(intrusion.id, 'queued', { messageId: `${intrusion.id}_c3d4` }));
    clock.now = arrival + 1500;
    bus.emit('message', message(intrusion.id, 'sent'));
    bus.emit('message', message(intrusion.id, 'retrying', { reason: 'timeout, token sk-live-secret', nextAttempt: at(60) }));
    clock.now = arrival + 12_000;
    bus.emit('delivery', { output: 'mqtt', eventId: door.id, result: 'delivered' });
    clock.now = arrival + 90_000;
    bus.emit('message', message(intrusion.id, 'sent', { messageId: `${intrusion.id}_c3d4` }));
    for (const state of ['held', 'suppressed', 'failed', 'dry_run', 'dry_run'] as const) bus.emit('message', message(camera.id, state));
    bus.emit('message', message(camera.id, 'sent', { output: 'telegram' }));

    bus.emit('backlog', { queue: 'spool', depth: 3 });
    bus.emit('backlog', { queue: 'outbox/sms', depth: 2 });
    bus.emit('backlog', { queue: 'spool', depth: 0 });
    bus.emit('quarantine', { count: 1, totalBytes: 2000 });
    bus.emit('quarantine', { count: 2, totalBytes: 5000, added: { id: 'q2', reason: 'took longer than 10000 ms' } });
    bus.emit('quarantine', { count: 1, totalBytes: 3000, removed: { id: 'q1', why: 'age' } });
    bus.emit('parserRestarted', { reason: 'the parser exited with code 1' });
    bus.emit('parserRestarted', { reason: 'took longer than 10000 ms' });
    bus.emit('broker', { connected: true, url: 'mqtt://user:redacted@broker:1883' });
    bus.emit('broker', { connected: false, url: 'mqtt://user:redacted@broker:1883' });
    bus.emit('broker', { connected: true, url: 'mqtt://user:redacted@broker:1883' });

    const text = await metrics.text();
    assert.equal(metrics.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(text);
    assert.equal(value(families, 'mails_total', { result: 'accepted', code: '250' }), 3);
    assert.equal(value(families, 'mails_total', { result: 'refused', code: '550' }), 2);
    assert.equal(value(families, 'mails_total', { result: 'refused', code: '452' }), 1);
    assert.equal(families.get('alarm_mail_bridge_mails_total')?.samples.length, 3);

    assert.equal(families.get('alarm_mail_bridge_events_total')?.type, 'counter');
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'alarm', type: 'intrusion' }), 2);
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'status', type: 'door_open' }), 1);
    assert.equal(value(families, 'events_total', { source: 'hikvision', category: 'alarm', type: 'motion' }), 1);
    assert.equal(families.get('alarm_mail_bridge_events_total')?.samples.length, 3);

    const deliveries = {
      'mqtt published': 2,
      'mqtt retrying': 1,
      'sms queued': 1,
      'sms skipped': 1,
      'telegram skipped': 1,
      'sms sent': 2,
      'sms retrying': 1,
      'sms held': 1,
      'sms suppressed': 1,
      'sms failed': 1,
      'sms dry_run': 2,
      'telegram sent': 1,
    };
    for (const [labels, count] of Object.entries(deliveries)) {
      const [output = '', result = ''] = labels.split(' ');
      assert.equal(value(families, 'deliveries_total', { output, result }), count, labels);
    }
    // No `queued` per message: the event's `queued` counted them.
    assert.equal(families.get('alarm_mail_bridge_deliveries_total')?.samples.length, Object.keys(deliveries).length);

    // MQTT: 0.04 s and 12 s; SMS: each message the provider accepted, 1.5 s and 90 s; Telegram's message was for an
    // event that arrived at the same time, 90 s before.
    assert.equal(families.get('alarm_mail_bridge_delivery_seconds')?.type, 'histogram');
    const histogram = (output: string) => ({
      count: value(families, 'delivery_seconds_count', { output }),
      sum: value(families, 'delivery_seconds_sum', { output }),
      upTo: (le: string) => value(families, 'delivery_seconds_bucket', { output, le }),
    });
    const bounds = families
      .get('alarm_mail_bridge_delivery_seconds')
      ?.samples.filter((sample) => sample.name.endsWith('_bucket') && sample.labels.output === 'mqtt')
      .map((sample) => sample.labels.le);
    assert.deepEqual(bounds, [...deliveryBuckets.map(String), '+Inf']);
    const mqtt = histogram('mqtt');
    assert.equal(mqtt.count, 2);
    assert.ok(Math.abs((mqtt.sum ?? 0) - 12.04) < 1e-9, String(mqtt.sum));
    assert.deepEqual(['0.025', '0.05', '10', '30', '+Inf'].map(mqtt.upTo), [0, 1, 1, 2, 2]);
    const sms = histogram('sms');
    assert.equal(sms.count, 2);
    assert.equal(sms.sum, 91.5);
    assert.deepEqual(['1', '2.5', '60', '300'].map(sms.upTo), [0, 1, 1, 2]);
    assert.equal(histogram('telegram').count, 1);

    assert.equal(families.get('alarm_mail_bridge_backlog')?.type, 'gauge');
    assert.equal(value(families, 'backlog', { queue: 'spool' }), 0);
    assert.equal(value(families, 'backlog', { queue: 'outbox/sms' }), 2);
    assert.equal(value(families, 'quarantined_total'), 1);
    assert.equal(value(families, 'quarantine_mails'), 1);
    assert.equal(value(families, 'quarantine_bytes'), 3000);
    assert.equal(value(families, 'parser_restarts_total'), 2);
    assert.equal(value(families, 'broker_connected'), 1);

    // Recipients, reasons, addresses and URLs are never read: nothing of them reaches a label.
    const ours = text.split('\n').filter((line) => line.startsWith('alarm_mail_bridge_'));
    for (const told of ['4567', '***', 'sk-live-secret', 'redacted', 'mqtt://', '192.168', 'took longer', 'exited'])
      assert.ok(!ours.some((line) => line.includes(told)), told);

    // The process's own metrics, under their standard names.
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      assert.ok(families.has(name), name);
    assert.equal(families.get('nodejs_gc_duration_seconds')?.type, 'histogram');
    metrics.close();
  });

  it(`keeps at most ${eventLabelSetLimit} label sets of events_total; a new type past them counts as type="other"`, async () => {
    const { bus, metrics, scrape } = setUp();
    const extra = 50;
    for (let i = 0; i < eventLabelSetLimit + extra; i += 1) bus.emit('event', alarmEvent({ time: at(0), type: `rule_type_${i}` }));
    bus.emit('event', alarmEvent({ time: at(0), type: 'rule_type_0' })); // known: still its own
    bus.emit('event', alarmEvent({ time: at(0), source: 'rules', category: 'trouble', type: 'never_seen' }));
    const families = await scrape();
    const samples = families.get('alarm_mail_bridge_events_total')?.samples ?? [];
    assert.equal(samples.length, eventLabelSetLimit + 2);
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'alarm', type: 'rule_type_0' }), 2);
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'alarm', type: `rule_type_${eventLabelSetLimit - 1}` }), 1);
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'alarm', type: `rule_type_${eventLabelSetLimit}` }), undefined);
    assert.equal(value(families, 'events_total', { source: 'xt1', category: 'alarm', type: 'other' }), extra);
    assert.equal(value(families, 'events_total', { source: 'rules', category: 'trouble', type: 'other' }), 1);
    assert.equal(
      samples.reduce((sum, sample) => sum + sample.value, 0),
      eventLabelSetLimit + extra + 2,
    );
    metrics.close();
  });

  it(`times a delivery only for the ${eventTimesKept} newest events, and never below 0`, async () => {
    const { bus, clock, metrics, scrape } = setUp();
    const events = Array.from({ length: eventTimesKept + 1 }, () => alarmEvent({ time: at(0) }));
    for (const event of events) bus.emit('event', event);
    bus.emit('event', alarmEvent({ id: 'undated', time: 'not a time' }));
    clock.now = arrival + 2000;
    bus.emit('delivery', { output: 'mqtt', eventId: events[0]?.id ?? '', result: 'delivered' }); // forgotten
    bus.emit('delivery', { output: 'mqtt', eventId: 'undated', result: 'delivered' });
    bus.emit('delivery', { output: 'mqtt', eventId: 'never-told', result: 'delivered' });
    bus.emit('delivery', { output: 'mqtt', eventId: events[1]?.id ?? '', result: 'delivered' });
    clock.now = arrival - 5000; // the clock was set back
    bus.emit('delivery', { output: 'mqtt', eventId: events[2]?.id ?? '', result: 'delivered' });
    const families = await scrape();
    assert.equal(value(families, 'deliveries_total', { output: 'mqtt', result: 'published' }), 5);
    assert.equal(value(families, 'delivery_seconds_count', { output: 'mqtt' }), 2);
    assert.equal(value(families, 'delivery_seconds_sum', { output: 'mqtt' }), 2);
    assert.equal(value(families, 'delivery_seconds_bucket', { output: 'mqtt', le: '0.01' }), 1);
    metrics.close();
  });

  it('keeps the counts of two bridges apart, and close() unsubscribes every listener', async () => {
    const first = setUp();
    const second = setUp();
    const facts: BusEventName[] = [
      'mailAccepted',
      'mailRefused',
      'event',
      'delivery',
      'message',
      'backlog',
      'quarantine',
      'parserRestarted',
      'broker',
    ];
    assert.deepEqual(
      facts.map((name) => first.bus.listenerCount(name)),
      facts.map(() => 1),
    );
    first.bus.emit('mailRefused', { code: 554, reason: 'not allowed', remote: '203.0.113.5' });
    second.bus.emit('parserRestarted', { reason: 'the parser exited with code 1' });
    first.metrics.close();
    first.metrics.close();
    assert.deepEqual(
      facts.map((name) => first.bus.listenerCount(name)),
      facts.map(() => 0),
    );
    first.bus.emit('mailRefused', { code: 554, reason: 'not allowed', remote: '203.0.113.5' });
    const [one, two] = [await first.scrape(), await second.scrape()];
    assert.equal(value(one, 'mails_total', { result: 'refused', code: '554' }), 1);
    assert.equal(value(one, 'parser_restarts_total'), 0);
    assert.equal(value(two, 'mails_total', { result: 'refused', code: '554' }), undefined);
    assert.equal(value(two, 'parser_restarts_total'), 1);
    // The process's metrics come once in each, and are the same collectors.
    assert.ok(one.has('process_cpu_user_seconds_total') && two.has('process_cpu_user_seconds_total'));
    second.metrics.close();
  });
});
