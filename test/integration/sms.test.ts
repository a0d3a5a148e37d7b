// End to end: a mail over SMTP becomes one request at the (fake) provider, through the real SDK, and the
// delivery health shows on MQTT and in Home Assistant's discovery. Secrets appear nowhere.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeCm } from '../helpers/fake-cm.js';
import { FakeTwilio, twilioError } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { type Received, Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';

describe('SMS end to end (Twilio)', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    test = await startTestBridge({
      mqttUrl: broker.url,
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
    });
    subscriber = await Subscriber.connect(broker.url, ['#']);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  it('sends an XT1 alarm to the default recipient as one request with the right body and number', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    const [request] = await twilio.received(1);
    const form = FakeTwilio.formOf(request!);
    assert.deepEqual(
      [form.get('To'), form.get('From'), form.get('Body')],
      ['+491701234567', '+15005550006', 'Zone:1 Terrasse, Innenbereich Alarm'],
    );
    const last = await subscriber.next(`${prefix}/sms/last`);
    assert.equal(last.retain, false);
    const result = JSON.parse(last.payload) as Record<string, unknown>;
    assert.deepEqual([result.result, result.recipient, result.provider], ['sent', '*********4567', 'twilio']);
    assert.match(String(result.message_id), /^SM[0-9a-f]{32}$/);
    assert.equal((await subscriber.next(`${prefix}/sms/problem`)).payload, 'OFF');
    assert.equal(twilio.requests.length, 1);
  });

  it('sends a mail to a number address to that number only, whatever its category', async () => {
    await sendMail(test.bridge.smtpPort, { to: '+4915112345678@sms.local', body: 'Zone:3 Haustür, DC Open - Mobility' });
    const requests = await twilio.received(2);
    assert.equal(FakeTwilio.formOf(requests[1]!).get('To'), '+4915112345678');
    assert.equal(FakeTwilio.formOf(requests[1]!).get('Body'), 'Zone:3 Haustür, DC Open - Mobility');
    const event = await subscriber.next(`${prefix}/last_event`, (message) => message.payload.includes('sms.local'));
    assert.deepEqual(
      (JSON.parse(event.payload) as { recipients: string[] }).recipients,
      ['**********5678@sms.local'],
      'masked on MQTT, sent in full',
    );
  });

  it('shows an unreachable provider as a delivery problem while the SMS waits for its retry, until it is sent', async () => {
    const problemTopic = `${prefix}/sms/problem`;
    await subscriber.collect(`${prefix}/sms/last`, 2); // the answers to the SMS of the tests before
    const seen = subscriber.messages.length;
    const after = (index: number) => (message: Received) => subscriber.messages.indexOf(message) >= index;
    twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:4 Keller, Innenbereich Alarm' });
    const problem = await subscriber.next(problemTopic, (message) => message.payload === 'ON' && after(seen)(message));
    assert.equal(
      subscriber.messages.slice(seen).some((message) => message.topic === `${prefix}/sms/last`),
      false,
      'the problem shows before any final answer',
    );
    const onAt = subscriber.messages.indexOf(problem);
    const sent = await subscriber.next(
      `${prefix}/sms/last`,
      (message) => after(onAt)(message) && (JSON.parse(message.payload) as { result: string }).result === 'sent',
    );
    assert.ok(sent);
    assert.equal((await subscriber.next(problemTopic, (message) => message.payload === 'OFF' && after(onAt)(message))).payload, 'OFF');
  });

  it('shows a refusal as a delivery problem in Home Assistant, with the provider code', async () => {
    twilio.scripted.push(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:8 Ost 1, Sabotage Alarm' });
    const failed = await subscriber.next(
      `${prefix}/sms/last`,
      (message) => (JSON.parse(message.payload) as { result: string }).result === 'failed',
    );
    assert.equal((JSON.parse(failed.payload) as Record<string, unknown>).error_code, '21610');
    const problem = await subscriber.next(
      `${prefix}/sms/problem`,
      (message) => message.payload === 'ON' && subscriber.messages.indexOf(message) > subscriber.messages.indexOf(failed),
    );
    assert.equal(problem.payload, 'ON');
    const bridge = JSON.parse((await subscriber.next('homeassistant/device/alarm_mail_bridge/config')).payload) as {
      components: Record<string, { state_topic?: string }>;
    };
    assert.equal(bridge.components.sms_problem?.state_topic, `${prefix}/sms/problem`);
    assert.equal(bridge.components.sms_last?.state_topic, `${prefix}/sms/last`);
  });

  it('masks the number a refusal quotes, in the log and in the retained result', async () => {
    twilio.scripted.push(twilioError(400, 21211, "The 'To' number +491701234567 is not a valid phone number."));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:9 Flur, Innenbereich Alarm' });
    const failed = await subscriber.next(`${prefix}/sms/last`, (message) => message.payload.includes('21211'));
    assert.equal(
      (JSON.parse(failed.payload) as { error: string }).error,
      "Twilio refused the message (HTTP 400): The 'To' number *********4567 is not a valid phone number.",
    );
    assert.ok(!JSON.stringify(test.logs).includes('1701234567'));
  });

  it('says which camera saw what, and when: a camera mail to the alarm address with the default template', async () => {
    const seen = twilio.requests.length;
    const raw = await readFile(new URL('../fixtures/mails/cameras/dahua-motion-base64.eml', import.meta.url));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', from: 'dahua@cam.local', raw });
    const requests = await twilio.received(seen + 1);
    const event = JSON.parse((await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('"dahua"'))).payload) as {
      time: string;
    };
    const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(event.time));
    assert.equal(FakeTwilio.formOf(requests.at(-1)!).get('Body'), `IPC06: motion ${clock}`);
  });

  it('keeps the auth token out of every log line and MQTT payload', () => {
    const written = JSON.stringify(test.logs) + subscriber.messages.map((message) => message.payload).join('\n');
    assert.ok(!written.includes(twilio.authToken));
    assert.ok(written.includes('[redacted]'), 'the config dump shows the token redacted');
  });

  it('stops cleanly: no warning, and offline once', async () => {
    const from = test.logs.length;
    const seen = subscriber.messages.length;
    await test.stop();
    await subscriber.publish('probe/after-stop', 'x');
    await subscriber.next('probe/after-stop');
    assert.deepEqual(
      test.logs.slice(from).filter((line) => Number(line.level) >= 40),
      [],
    );
    assert.deepEqual(
      subscriber.messages
        .slice(seen)
        .filter((message) => message.topic === `${prefix}/availability`)
        .map((message) => message.payload),
      ['offline'],
    );
  });
});

describe('SMS failover end to end (CM out of credit → Twilio)', () => {
  let broker: Mosquitto;
  let cm: FakeCm;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    cm = await new FakeCm().start();
    twilio = await new FakeTwilio().start();
    cm.credit = 0;
    test = await startTestBridge({
      mqttUrl: broker.url,
      sms: {
        provider: 'cm',
        fallback_provider: 'twilio',
        recipients: ['0170 1234567'],
        cm: { product_token: cm.productToken, sender: 'Alarm', api_url: cm.url },
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken, sender: '+15005550006', api_url: twilio.url },
      },
    });
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/sms/#`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => cm.stop(),
      () => broker.stop(),
    ),
  );

  it('sends the same SMS once through Twilio when CM answers "no credit", and names Twilio on sms/last', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    const last = await subscriber.next(`${prefix}/sms/last`);
    const result = JSON.parse(last.payload) as Record<string, unknown>;
    assert.deepEqual(
      [result.result, result.recipient, result.provider, result.failover],
      [
        'sent',
        '*********4567',
        'twilio',
        { from: 'cm', error_code: '102', error: 'CM refused the request (HTTP 400): Insufficient balance.' },
      ],
    );
    assert.equal(cm.requests.length, 1);
    assert.equal(twilio.requests.length, 1);
    const form = FakeTwilio.formOf(twilio.requests[0]!);
    assert.deepEqual(
      [form.get('To'), form.get('From'), form.get('Body')],
      ['+491701234567', '+15005550006', 'Zone:1 Terrasse, Innenbereich Alarm'],
    );
    assert.equal(
      (await subscriber.next(`${prefix}/sms/problem`, (message) => message.payload === 'ON')).payload,
      'ON',
      'a problem while CM cannot deliver',
    );
    const switched = test.logs.filter((line) => line.msg === 'SMS goes through the fallback provider twilio');
    assert.deepEqual(
      switched.map((line) => [line.from, line.via, line.code, line.to]),
      [['cm', 'twilio', '102', '*********4567']],
    );
  });
});
