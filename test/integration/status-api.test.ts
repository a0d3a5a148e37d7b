// The status page's API and health check against a real bridge: real Mosquitto, mails over SMTP, the SMS provider's
// official client against the fake Twilio, HTTP requests as a browser or a script sends them. What only a browser
// shows (the page itself, the live rows, ingress) is test/integration/status-page.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { EventView, StatusView } from '../../src/features/http/api.js';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';
import { sendMail } from '../helpers/smtp-client.js';
import { mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';

const prefix = 'alarm-mail-bridge';

describe('status page API', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;
  let dataDir: string;
  let base: string;
  /** /healthz as the last feature to stop sees it: after the intake closed, before the page's server does. */
  let healthAtStop: { status: number; body: unknown } | undefined;
  const quarantinedId = '20261101T080000000Z-000000-0badf00d';

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-page-api-'));
    // A mail quarantined by an earlier run (say, before a parser fix): the page offers to read it again.
    await mkdir(join(dataDir, 'quarantine'), { recursive: true });
    const envelope = {
      kind: 'mail',
      from: 'xt1@home',
      recipients: ['alarm@bridge.local'],
      receivedAt: '2026-11-01T08:00:00.000Z',
      remoteAddress: '192.168.1.20',
    };
    await writeFile(
      join(dataDir, 'quarantine', `${quarantinedId}.eml`),
      `${JSON.stringify(envelope)}\nSubject: x\r\n\r\nZone:4 Keller Feueralarm\r\n`,
    );
    await writeFile(join(dataDir, 'quarantine', `${quarantinedId}.reason`), 'the parser worker crashed');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const healthWatcher = featureModule({
      name: 'health_at_stop',
      create: () => ({
        start() {},
        async stop() {
          const response = await fetch(`${base}/healthz`);
          healthAtStop = { status: response.status, body: await response.json() };
        },
      }),
    });
    test = await startTestBridge({
      mqttUrl: broker.url,
      dataDir,
      http: { port },
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        send_on: ['alarm', 'test'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      features: [healthWatcher],
    });
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/event`, `${prefix}/last_event`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  const get = async <T>(path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = async <T>(path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /** Polls the events until one matches; a result that never comes fails the test with what there was. */
  async function eventWhere(match: (view: EventView) => boolean): Promise<EventView> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await get<EventView[]>('/api/events?limit=50');
      const found = body.find(match);
      if (found) return found;
      if (Date.now() > deadline) assert.fail(`no such event in ${JSON.stringify(body, null, 1)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('is healthy while the intake listens and the spool can be written', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: { status: 'ok' } });
  });

  it('lists a mail with its SMS going from retrying to sent, the number masked', async () => {
    twilio.scripted.push({ status: 503, body: { code: 20_500, message: 'Service unavailable', status: 503 } });
    const sent = await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    const id = /Queued as (\S+)/.exec(sent.response)?.[1];
    assert.ok(id);
    const retrying = await eventWhere((view) => view.id === id && view.delivery.sms?.result === 'retrying');
    const [message] = retrying.delivery.sms?.messages ?? [];
    assert.equal(message?.recipient, '*********4567');
    assert.ok(message?.next_attempt && Date.parse(message.next_attempt) > Date.parse(message.time));
    assert.match(message?.reason ?? '', /503|unavailable/i);
    const delivered = await eventWhere((view) => view.id === id && view.delivery.sms?.result === 'sent');
    assert.equal(delivered.delivery.mqtt?.result, 'published');
    assert.equal(delivered.type, 'intrusion');
    assert.ok(!JSON.stringify(delivered).includes('1701234567'), 'no number in full');
    const status = await get<StatusView>('/api/status');
    assert.equal(status.body.mails_today.accepted, 1);
    assert.equal(status.body.panel.last_mail?.event_id, id);
    assert.deepEqual(status.body.alarm.state, 'triggered');
  });

  it('sends a test event through the pipeline, to MQTT only unless asked', async () => {
    const before = twilio.requests.length;
    const quiet = await post<{ id: string }>('/api/test-event', {});
    assert.equal(quiet.status, 202);
    const event = JSON.parse((await subscriber.next(`${prefix}/event`, (m) => m.payload.includes(quiet.body.id))).payload);
    assert.deepEqual([event.input, event.category, event.alarm_state], ['test', 'test', null]);
    const logged = await eventWhere((view) => view.id === quiet.body.id && view.delivery.sms?.result === 'skipped');
    assert.equal(logged.delivery.mqtt?.result, 'published');
    // `test` is in send_on, yet a test without `deliver` never reaches a phone.
    assert.equal(twilio.requests.length, before);

    const loud = await post<{ id: string }>('/api/test-event', { deliver: true });
    await eventWhere((view) => view.id === loud.body.id && view.delivery.sms?.result === 'sent');
    assert.equal(twilio.requests.length, before + 1);
    // Neither test makes the panel look alive: its last mail is still the alarm.
    const status = await get<StatusView>('/api/status');
    assert.notEqual(status.body.panel.last_mail?.event_id, quiet.body.id);
    assert.notEqual(status.body.panel.last_mail?.event_id, loud.body.id);
    assert.equal(status.body.alarm.state, 'triggered');
  });

  it('reads a pasted line as the bridge would, storing and sending nothing', async () => {
    const before = (await get<EventView[]>('/api/events?limit=300')).body.length;
    const { status, body } = await post<Record<string, unknown>>('/api/classify', { text: 'Zone:3 Kueche, Innenbereich Alarm' });
    assert.equal(status, 200);
    assert.deepEqual([body.source, body.type, body.category, body.zone, body.route], ['xt1', 'intrusion', 'alarm', 3, 'alarm']);
    assert.match(String(body.rule), /^- match: .*\(\?<zone>\\d\+\)/);
    assert.equal((await get<EventView[]>('/api/events?limit=300')).body.length, before);
  });

  it('puts a quarantined mail back into the spool, where it becomes an event', async () => {
    const listed = await get<StatusView>('/api/status');
    assert.deepEqual(
      listed.body.quarantine.mails.map(({ id, reason }) => [id, reason]),
      [[quarantinedId, 'the parser worker crashed']],
    );
    const { status, body } = await post<{ id: string }>('/api/quarantine/retry', { id: quarantinedId });
    assert.equal(status, 202);
    const event = await eventWhere((view) => view.id === body.id);
    assert.equal(event.type, 'fire');
    assert.equal((await get<StatusView>('/api/status')).body.quarantine.count, 0);
    assert.equal((await post('/api/quarantine/retry', { id: quarantinedId })).status, 404);
  });

  it('refuses what a hostile web page or a stranger could send', async () => {
    assert.equal((await post('/api/test-event', {}, { 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await post('/api/test-event', {}, { origin: 'http://evil.example' })).status, 403);
    const form = await fetch(`${base}/api/test-event`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(form.status, 415);
    // A GET changes nothing.
    assert.equal((await fetch(`${base}/api/test-event`)).status, 404);
    // A site that points its own name at 127.0.0.1 (DNS rebinding); fetch cannot set Host, node:http can.
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      httpGet(`${base}/api/status`, { headers: { host: 'evil.example:8099' } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).once('error', reject),
    );
    assert.equal(rebound, 403);
    const huge = await fetch(`${base}/api/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
    const page = await fetch(`${base}/`);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('serves the metrics in Prometheus text format, counting what was sent, no number in a label', async () => {
    const refused = await sendMail(test.bridge.smtpPort, { to: 'nobody@elsewhere.example', body: 'spam' }).catch(() => undefined);
    assert.equal(refused, undefined, 'a mail to no address of the bridge is refused');
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = parsePrometheusText(text);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, `alarm_mail_bridge_${name}`, labels);
    assert.equal(value('mails_total', { result: 'accepted', code: '250' }), 1);
    assert.equal(value('mails_total', { result: 'refused', code: '550' }), 1);
    assert.equal(value('events_total', { source: 'xt1', category: 'alarm', type: 'intrusion' }), 1);
    // The alarm's SMS was retried once, then sent; so were the test that asked for SMS and the fire read again.
    assert.equal(value('deliveries_total', { output: 'sms', result: 'retrying' }), 1);
    assert.equal(value('deliveries_total', { output: 'sms', result: 'sent' }), 3);
    assert.equal(value('delivery_seconds_count', { output: 'sms' }), 3);
    assert.equal(value('broker_connected'), 1);
    // The spool's depth is told at most every 250 ms: the last record may still count a moment after its delivery.
    for (let scrape = 0; ; scrape++) {
      const depth = sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), 'alarm_mail_bridge_backlog', {
        queue: 'spool',
      });
      if (depth === 0 || scrape === 100) {
        assert.equal(depth, 0);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(families.has('process_resident_memory_bytes'), 'the default process metrics');
    assert.ok(!/1701234567/.test(text));
  });

  it('shows no secret and no number in full on any answer', async () => {
    const answers = await Promise.all(
      ['/api/status', '/api/events?limit=300', '/metrics', '/'].map(async (path) => (await fetch(`${base}${path}`)).text()),
    );
    for (const answer of answers) {
      assert.ok(!answer.includes(twilio.authToken), 'the auth token');
      assert.ok(!answer.includes(twilio.accountSid), 'the account SID');
      assert.ok(!/1701234567/.test(answer), 'the number');
    }
  });

  it('answers 503 with the reason once the intake is closed', async () => {
    await test.stop();
    assert.equal(healthAtStop?.status, 503);
    assert.deepEqual(healthAtStop?.body, { status: 'unhealthy', problems: ['the smtp input is not listening'] });
  });
});

describe('health check on a disk that turns read-only', () => {
  let broker: Mosquitto;
  let test: TestBridge | undefined;
  let disk: string | undefined;

  before(async () => {
    broker = await Mosquitto.start();
    disk = await mountTmpfs(16 * 1024);
  });
  after(() =>
    cleanUp(
      () => test?.stop(),
      async () => {
        if (disk) await unmountTmpfs(disk);
      },
      () => broker.stop(),
    ),
  );

  it('answers 503 naming the spool while its folder cannot be written, and 200 again after', async (t) => {
    if (!disk) return t.skip('mounting a tmpfs needs root (CI runs as root)');
    const port = await freePort();
    test = await startTestBridge({ mqttUrl: broker.url, dataDir: disk, http: { port } });
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { status: response.status, body: (await response.json()) as { status: string; problems?: string[] } };
    };
    const until = async (status: number) => {
      // The probe's answer is shared for a second, so a flood of health checks costs one write a second.
      for (let attempt = 0; ; attempt++) {
        const answer = await health();
        if (answer.status === status || attempt === 100) return answer;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    assert.equal((await health()).status, 200);
    await remount(disk, 'ro');
    const broken = await until(503);
    assert.equal(broken.status, 503);
    assert.match(broken.body.problems?.join() ?? '', /^the spool cannot store mails: .*EROFS/);
    await remount(disk, 'rw');
    assert.equal((await until(200)).status, 200);
  });
});

/** A file open for writing at that moment (a state file being saved) makes the kernel say busy: tried again. */
async function remount(dir: string, mode: 'ro' | 'rw'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await promisify(execFile)('mount', ['-o', `remount,${mode}`, dir]);
      return;
    } catch (error) {
      if (attempt === 50 || !/busy/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
