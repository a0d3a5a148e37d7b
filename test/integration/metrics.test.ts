// The metrics in a real run: mails over SMTP from a real client, real Mosquitto, SMS through the CM SDK to a fake
// provider that refuses once, and the metrics built as a feature on the bridge's bus, read through a strict
// Prometheus text reader. (Scraping them over HTTP at `/metrics` belongs to the status page's server.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BridgeMetrics } from '../../src/features/http/metrics.js';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeCm } from '../helpers/fake-cm.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { type MetricFamily, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { sendMail } from '../helpers/smtp-client.js';

function metricsProbe() {
  const probe: { metrics?: BridgeMetrics } = {};
  const module = featureModule({
    name: 'metrics_probe',
    create: (_settings, { bus, now }) => ({
      start() {
        probe.metrics = new BridgeMetrics(bus, { now });
      },
      stop() {},
    }),
  });
  return { probe, module };
}

const value = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) =>
  sampleValue(families, `alarm_mail_bridge_${name}`, labels);

describe('metrics of a real run', () => {
  let broker: Mosquitto;
  let cm: FakeCm;
  let test: TestBridge | undefined;
  const { probe, module } = metricsProbe();

  before(async () => {
    broker = await Mosquitto.start();
    cm = await new FakeCm().start();
    test = await startTestBridge({
      mqttUrl: broker.url,
      sms: { provider: 'cm', sender: 'Alarm', recipients: ['0170 1234567'], api_url: cm.url, cm: { product_token: cm.productToken } },
      features: [module],
    });
  });
  after(() =>
    cleanUp(
      () => test?.stop(),
      () => cm.stop(),
      () => broker.stop(),
    ),
  );

  it("counts the mails, events, deliveries and messages that really happened, and times them from the event's time", async () => {
    const port = test?.bridge.smtpPort ?? 0;
    cm.scripted.push({ status: 500, body: { details: 'Internal error', errorCode: 999, messages: [] } });
    const first = await sendMail(port, { to: ['alarm@bridge.local', 'nobody@bridge.local'], body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    assert.match(first.response, /^250 /);
    assert.deepEqual(first.rejectedCodes, [550]);
    assert.match((await sendMail(port, { to: 'alarm@bridge.local', body: 'Zone:2 Flur, Innenbereich Alarm' })).response, /^250 /);

    const deadline = Date.now() + 20_000;
    let families = new Map<string, MetricFamily>();
    for (;;) {
      families = parsePrometheusText((await probe.metrics?.text()) ?? '');
      // Backlogs are told at most every 250 ms, and always their final value.
      const drained = ['spool', 'mqtt', 'sms', 'outbox/sms'].every((queue) => value(families, 'backlog', { queue }) === 0);
      if (drained && value(families, 'deliveries_total', { output: 'sms', result: 'sent' }) === 2) break;
      assert.ok(Date.now() < deadline, `not seen in time:\n${(await probe.metrics?.text())?.split('\n# HELP process_')[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    assert.equal(value(families, 'mails_total', { result: 'accepted', code: '250' }), 2);
    assert.equal(value(families, 'mails_total', { result: 'refused', code: '550' }), 1);
    const events = families.get('alarm_mail_bridge_events_total')?.samples ?? [];
    assert.deepEqual(
      events.map(({ labels, value }) => ({ ...labels, value })),
      [{ source: 'xt1', category: 'alarm', type: 'intrusion', value: 2 }],
    );
    assert.equal(value(families, 'deliveries_total', { output: 'mqtt', result: 'published' }), 2);
    assert.equal(value(families, 'deliveries_total', { output: 'sms', result: 'queued' }), 2);
    assert.equal(value(families, 'deliveries_total', { output: 'sms', result: 'retrying' }), 1);
    // Telegram is not configured: it has the events without a message for them.
    assert.equal(value(families, 'deliveries_total', { output: 'telegram', result: 'skipped' }), 2);
    assert.equal(value(families, 'delivery_seconds_count', { output: 'mqtt' }), 2);
    assert.equal(value(families, 'delivery_seconds_count', { output: 'sms' }), 2);
    for (const output of ['mqtt', 'sms']) {
      const sum = value(families, 'delivery_seconds_sum', { output }) ?? 0;
      assert.ok(sum > 0 && sum < 60, `${output}: ${sum} s`);
    }
    assert.equal(value(families, 'broker_connected'), 1);
    assert.equal(value(families, 'quarantined_total'), 0);
    assert.equal(value(families, 'parser_restarts_total'), 0);
  });
});
