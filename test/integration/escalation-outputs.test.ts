// The output side of escalation, end to end: real SMTP, real Mosquitto, the bridge in this process with Twilio (the
// SDK against the fake), and a small stand-in for the incidents feature that raises a level and tells the bus of an
// incident. A level's event goes to its own numbers alone (SMS and a German call), masked on MQTT; an SMS reply "ok"
// is heard while the incident is open and names the alarm's event; a withdrawal suppresses a level's SMS that waits
// for its retry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BusEvents, IncidentFacts } from '../../src/core/bus.js';
import type { AlarmEvent } from '../../src/core/event.js';
import { type FeatureContext, featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio, twilioError } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';
const ourNumber = '+15005550006';
const firstPerson = '+491701234567';
const secondPerson = '+4915199990001';
const thirdPerson = '+4915199990002';

/** What the test does through the stand-in: the feature's context, the alarms it saw, the replies it heard. */
const standIn: { context?: FeatureContext; alarms: AlarmEvent[]; replies: BusEvents['reply'][] } = { alarms: [], replies: [] };

const incidentsStandIn = featureModule({
  name: 'incidents_stand_in',
  create: (_settings, context) => ({
    start() {
      standIn.context = context;
      context.bus.on('event', (event) => {
        if (event.input === 'smtp' && event.category === 'alarm') standIn.alarms.push(event);
      });
      context.bus.on('reply', (reply) => standIn.replies.push(reply));
    },
    stop() {},
  }),
});

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('escalation outputs end to end (Twilio)', () => {
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
        sender: ourNumber,
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      features: [incidentsStandIn],
    });
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/event`, `${prefix}/sms/last`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  it('sends a level to its own numbers only (SMS and a call in German), hears "ok" from the alarm’s recipient, and withdraws', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    await until(() => standIn.alarms.length === 1 && twilio.messages.length === 1);
    const [alarm] = standIn.alarms;
    assert.ok(alarm && standIn.context);
    assert.equal(twilio.messages[0]?.to, firstPerson, 'the alarm to the default recipient');

    const level = await standIn.context.raise({
      category: 'alarm',
      type: 'escalation',
      text: 'Alarm Zone 1 Terrasse seit 5 Minuten nicht bestätigt',
      details: { language: 'de', level: 2 },
      to: { sms: [secondPerson], call: [secondPerson] },
    });
    await until(() => twilio.messages.length === 2 && twilio.calls.length === 1);
    assert.deepEqual(
      [twilio.messages[1]?.to, twilio.messages[1]?.body],
      [secondPerson, 'Alarm Zone 1 Terrasse seit 5 Minuten nicht bestätigt'],
      'the level’s number only, not the default recipient',
    );
    const [call] = twilio.calls;
    assert.deepEqual([call?.to, call?.from, call?.say[0]?.language], [secondPerson, ourNumber, 'de-DE']);
    assert.match(call?.say[0]?.text ?? '', /Alarm Zone 1 Terrasse seit 5 Minuten nicht bestätigt$/);
    const published = JSON.parse(
      (await subscriber.next(`${prefix}/event`, (message) => message.payload.includes(level))).payload,
    ) as AlarmEvent;
    assert.deepEqual(published.to, { sms: ['**********0001'], call: ['**********0001'] }, 'masked on MQTT');

    // The first person answers the alarm SMS; the incident opened with the alarm.
    twilio.receive({ from: firstPerson, to: ourNumber, body: 'ok' });
    const incident: IncidentFacts = { id: 'incident-1', state: 'open', openedAt: alarm.time, eventIds: [alarm.id, level], level: 2 };
    standIn.context.bus.emit('incident', incident);
    await until(() => standIn.replies.length === 1);
    assert.deepEqual(standIn.replies[0], {
      output: 'sms',
      from: '*********4567',
      text: 'ok',
      time: standIn.replies[0]?.time,
      eventIds: [alarm.id],
    });

    // A third level whose SMS waits for its retry is withdrawn when the incident is acknowledged.
    twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'));
    const requests = twilio.requests.length;
    const third = await standIn.context.raise({ category: 'alarm', type: 'escalation', text: 'Stufe 3', to: { sms: [thirdPerson] } });
    await twilio.received(requests + 1);
    standIn.context.bus.emit('incident', { ...incident, state: 'acknowledged', eventIds: [alarm.id, level, third] });
    standIn.context.bus.emit('withdraw', { eventIds: [third], reason: 'acknowledged by an SMS reply' });
    const suppressed = await subscriber.next(`${prefix}/sms/last`, (message) => message.payload.includes('"suppressed"'));
    assert.deepEqual(
      [
        (JSON.parse(suppressed.payload) as { recipient: string; error: string }).recipient,
        (JSON.parse(suppressed.payload) as { error: string }).error,
      ],
      ['**********0002', 'acknowledged by an SMS reply'],
    );
    assert.equal(twilio.messages.filter((message) => message.to === thirdPerson).length, 0, 'never sent');
    assert.ok(!JSON.stringify(test.logs).includes(firstPerson.slice(3)), 'no whole number in the log');
  });
});
