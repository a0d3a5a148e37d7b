// End to end: an event raised by a feature takes the durable path. It reaches MQTT and SMS like a mail's event,
// through the same routing (`send_on` by category); and once durable it survives a kill -9 with its id and is
// delivered once by MQTT and once by SMS.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent, RaisedEventDraft } from '../../src/core/event.js';
import { raiser } from '../../src/pipeline/raise.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { startTestBridge } from '../helpers/bridge.js';
import { BridgeProcess } from '../helpers/bridge-process.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';
const lastEventTopic = 'alarm-mail-bridge/last_event';
const smsResultTopic = 'alarm-mail-bridge/sms/last';
const silent: RaisedEventDraft = {
  source: 'supervision',
  category: 'trouble',
  type: 'source_silent',
  text: 'Panel silent for 25 hours',
  details: { silent_hours: 25 },
};
const idOf = (payload: string) => (JSON.parse(payload) as AlarmEvent).id;

function queuedId(response: string): string {
  const id = /^250 Queued as (\S+)/.exec(response)?.[1];
  assert.ok(id, `not accepted: "${response}"`);
  return id;
}

describe('raised events end to end', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let dataDir: string;
  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-raised-'));
  });
  after(() =>
    cleanUp(
      () => twilio.stop(),
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  const sms = () => ({
    provider: 'twilio',
    recipients: ['0170 1234567'],
    sender: '+15005550006',
    api_url: twilio.url,
    twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
  });

  it("reaches MQTT and SMS like a mail's event, routed by its category, without mail fields", async () => {
    const subscriber = await Subscriber.connect(broker.url, [eventTopic, lastEventTopic]);
    const test = await startTestBridge({ mqttUrl: broker.url, sms: sms() });
    try {
      const before = twilio.requests.length;
      const id = await test.bridge.raise(silent);
      const [request] = (await twilio.received(before + 1)).slice(before);
      assert.equal(FakeTwilio.formOf(request!).get('Body'), 'Panel silent for 25 hours');
      const event = JSON.parse((await subscriber.next(eventTopic, (message) => idOf(message.payload) === id)).payload) as Record<
        string,
        unknown
      >;
      assert.deepEqual(event, {
        id,
        time: event.time,
        input: 'raised',
        source: 'supervision',
        category: 'trouble',
        type: 'source_silent',
        alarm_state: null,
        zone: null,
        sensor: null,
        user: null,
        text: 'Panel silent for 25 hours',
        details: { silent_hours: 25 },
      });
      // A status event is not in send_on: MQTT only. The mail after it is the barrier: delivery is in order.
      const status = await test.bridge.raise({ ...silent, category: 'status', type: 'source_heard', text: 'Panel heard again' });
      const marker = queuedId((await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Zone:4 Flur, DC Open' })).response);
      await subscriber.next(eventTopic, (message) => idOf(message.payload) === marker);
      assert.deepEqual(
        subscriber.on(eventTopic).map((message) => idOf(message.payload)),
        [id, status, marker],
      );
      assert.equal(twilio.requests.length, before + 1, 'one SMS: the trouble, not the status');
      // "Last event" and "Last mail received" follow the panel's mails only: a raised "panel silent" must not make a
      // silent panel look alive. The mail's last event arrives; none of the raised ones does.
      await subscriber.next(lastEventTopic, (message) => idOf(message.payload) === marker);
      assert.deepEqual(
        subscriber
          .on(lastEventTopic)
          .map((message) => idOf(message.payload))
          .filter((lastId) => lastId === id || lastId === status),
        [],
      );
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => test.stop(),
      );
    }
  });

  it('survives a kill -9 between durable and delivered: replayed with its id, delivered once by MQTT and once by SMS', async () => {
    const folder = join(dataDir, 'crash');
    const bridge = await BridgeProcess.create(folder, broker.url, 'config.yaml', { sms: sms() });
    await bridge.start();
    await bridge.kill(); // the bridge that was running when the event was raised: killed, its lock gone with it
    // What `raise` had done when the kill came: the record durable in the spool, not yet with any output.
    const spool = new JournalSpool(folder);
    await spool.open();
    const id = await raiser({ spool, onStored: () => undefined })(silent);
    await spool.close();

    const subscriber = await Subscriber.connect(broker.url, [eventTopic, smsResultTopic]);
    const before = twilio.requests.length;
    try {
      await bridge.start();
      const [request] = (await twilio.received(before + 1)).slice(before);
      assert.equal(FakeTwilio.formOf(request!).get('Body'), 'Panel silent for 25 hours');
      const event = JSON.parse((await subscriber.next(eventTopic, (message) => idOf(message.payload) === id)).payload) as AlarmEvent;
      assert.deepEqual([event.input, event.type], ['raised', 'source_silent']);
      // Killed again after the deliveries (the SMS outbox has finished its job: its result is out), so a replay
      // could only come from the spool, which must skip both outputs.
      await subscriber.next(
        smsResultTopic,
        (message) => !message.retain && (JSON.parse(message.payload) as { result: string }).result === 'sent',
      );
      await bridge.kill();
      await bridge.start();
      const marker = queuedId((await sendMail(bridge.smtpPort, { to: 'status@bridge.local', body: 'Zone:4 Flur, DC Open' })).response);
      await subscriber.next(eventTopic, (message) => idOf(message.payload) === marker);
      assert.deepEqual(
        subscriber.on(eventTopic).map((message) => idOf(message.payload)),
        [id, marker],
        'once on MQTT, with the id raise gave',
      );
      assert.equal(twilio.requests.length, before + 1, 'once by SMS');
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => bridge.stop(),
      );
    }
  });
});
