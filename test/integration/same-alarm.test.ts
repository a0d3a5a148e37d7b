// The same alarm by mail and by Contact ID end to end: one incident and one SMS (Twilio's official client against
// the fake Twilio), while MQTT carries both events, each with its input and the later one marked duplicate_of. Two
// real alarms of the same zone, each by both paths, make two SMS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { IncidentFacts } from '../../src/core/bus.js';
import type { AlarmEvent } from '../../src/core/event.js';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { ContactIdClient, report } from '../helpers/contact-id-client.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';
const incidents: IncidentFacts[] = [];
/** Records the incidents feature's facts, as an observer of the bus. */
const incidentLog = featureModule({
  name: 'incident_log',
  create: (_settings, { bus }) => ({
    start() {
      bus.on('incident', (facts) => incidents.push(facts));
    },
    stop() {},
  }),
});

describe('the same alarm by mail and by Contact ID', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;
  let panel: ContactIdClient;

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    test = await startTestBridge({
      mqttUrl: broker.url,
      contactId: { port: await freePort(), accounts: ['1234'] },
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      features: [incidentLog],
    });
    subscriber = await Subscriber.connect(broker.url, [eventTopic]);
    panel = await ContactIdClient.connect(test.bridge.contactIdPort!);
  });
  after(() =>
    cleanUp(
      () => panel.close(),
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  /** The SMS sent (the poller of replies reads Twilio's log too: those requests are no SMS). */
  const sent = () => twilio.messages.filter((message) => message.direction === 'outbound-api');
  const sentAtLeast = async (count: number) => {
    for (let waited = 0; sent().length < count; waited += 25) {
      assert.ok(waited < 10_000, `${count} SMS expected, ${sent().length} sent`);
      await delay(25);
    }
  };
  const events = () => subscriber.on(eventTopic).map((message) => JSON.parse(message.payload) as AlarmEvent);
  const mailAlarm = (sensor = 'Flur') =>
    sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: `Zone:3 ${sensor}, Innenbereich Alarm` });
  const reportAlarm = async () => {
    const acks = panel.acks;
    await panel.write(report('1234', 1, '130', 1, 3));
    await panel.waitForAcks(acks + 1);
  };

  it('sends one SMS and opens one incident, and MQTT carries both events marked with their input', async () => {
    await mailAlarm();
    await reportAlarm();
    const [byMail, byReport] = (await subscriber.collect(eventTopic, 2)).map((message) => JSON.parse(message.payload) as AlarmEvent);
    assert.deepEqual(
      [byMail, byReport].map((event) => [event!.input, event!.type, event!.zone, event!.duplicate_of]),
      [
        ['smtp', 'intrusion', 3, undefined],
        ['contact_id', 'intrusion', 3, byMail!.id],
      ],
    );
    await sentAtLeast(1);
    await delay(500); // a second SMS would be stored and sent by now: the first went within this time
    assert.deepEqual(
      sent().map((message) => message.body),
      ['Zone:3 Flur, Innenbereich Alarm'],
    );
    const opened = new Set(incidents.map((facts) => facts.id));
    assert.equal(opened.size, 1, 'one incident');
    assert.deepEqual(incidents.at(-1)?.eventIds, [byMail!.id, byReport!.id]);
  });

  it('makes two SMS of two real alarms of the same zone, each by both paths, whichever path comes first', async () => {
    // Each SMS text differs from the one before: the outbox sends the same text to a number once a minute.
    const before = sent().length;
    await reportAlarm();
    await mailAlarm('Flur B');
    await mailAlarm('Flur C');
    await reportAlarm();
    await subscriber.collect(eventTopic, 6);
    const [first, second, third, fourth] = events().slice(2);
    assert.deepEqual(
      [first, second, third, fourth].map((event) => [event!.input, event!.duplicate_of]),
      [
        ['contact_id', undefined],
        ['smtp', first!.id],
        ['smtp', undefined],
        ['contact_id', third!.id],
      ],
    );
    await sentAtLeast(before + 2);
    await delay(500);
    assert.deepEqual(
      sent()
        .slice(before)
        .map((message) => message.body),
      ['Burglary zone 3 (E130 P01 Z003)', 'Zone:3 Flur C, Innenbereich Alarm'],
    );
    assert.equal(new Set(incidents.map((facts) => facts.id)).size, 1, 'all joined the open incident');
  });
});
