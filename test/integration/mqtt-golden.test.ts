// Every MQTT message of a fixed mail sequence, compared with a recording: the topics, payloads and discovery
// configs that Home Assistant and other subscribers rely on stay byte for byte the same while the code is reshaped.
// Ids, times and message sids are normalized; order is compared per topic (MQTT keeps it per publisher and topic).
// After an intended change of what goes out: UPDATE_GOLDEN=1 node --import tsx --test test/integration/mqtt-golden.test.ts
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { type Received, Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';

/** [recipient, body, SMS results this mail adds]: each kind of line the bridge knows, in an order that moves the state. */
const mails: [string, string, number][] = [
  ['status@bridge.local', 'Benutzer 1, Arm', 0],
  ['status@bridge.local', 'Zone:3 Haustür, DC Open - Mobility', 0],
  ['status@bridge.local', 'Zone:5 PIR EG, IR Activity - Mobility', 0],
  ['alarm@bridge.local', 'Zone:1 Terrasse, Innenbereich Alarm', 1],
  ['alarm@bridge.local', 'Zone:2 Fenster Küche, Sabotage Alarm', 1],
  ['status@bridge.local', 'Zone:2 Fenster Küche, Sabotage Alarm deaktiviert', 0],
  ['status@bridge.local', 'Zone:3 Haustür, DC Close - Mobility', 0],
  ['status@bridge.local', 'Zone:4 Keller, Periodischer Test Report', 0],
  ['status@bridge.local', 'Zone:6 Rauchmelder Flur, Sensorüberwachungsfehler', 1],
  ['status@bridge.local', 'Max, Home', 0],
  ['status@bridge.local', 'Max, Disarm', 0],
  ['status@bridge.local', 'Garage offen', 0],
  ['+4915112345678@sms.local', 'Bitte zurückrufen', 1],
  ['alarm@bridge.local', 'Feuer im Keller', 1],
  ['status@bridge.local', 'Etwas, das niemand kennt', 0],
];

function normalized(messages: readonly Received[]): Record<string, { payload: string; retain: boolean }[]> {
  const byTopic: Record<string, { payload: string; retain: boolean }[]> = {};
  for (const { topic, payload, retain } of messages) {
    const clean = payload
      .replace(/\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}/g, '<id>')
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>')
      .replace(/SM[0-9a-f]{32}/g, '<sid>')
      .replace(/"sw_version":"[^"]*"/g, '"sw_version":"<version>"');
    byTopic[topic] ??= [];
    byTopic[topic].push({ payload: clean, retain });
  }
  return Object.fromEntries(Object.entries(byTopic).sort(([a], [b]) => a.localeCompare(b)));
}

async function record(smsProvider: 'twilio' | 'none'): Promise<ReturnType<typeof normalized>> {
  const broker = await Mosquitto.start();
  const twilio = await new FakeTwilio().start();
  let bridge: TestBridge | undefined;
  let subscriber: Subscriber | undefined;
  try {
    subscriber = await Subscriber.connect(broker.url, ['#']);
    const sms =
      smsProvider === 'twilio'
        ? {
            provider: 'twilio',
            recipients: ['0170 1234567'],
            sender: '+15005550006',
            api_url: twilio.url,
            twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
          }
        : { recipients: ['0170 1234567'] };
    bridge = await startTestBridge({
      mqttUrl: broker.url,
      sms,
      rules: [{ match: '^Garage offen$', type: 'garage_open', category: 'status' }],
    });
    let smsResults = 0;
    for (const [index, [to, body, sms]] of mails.entries()) {
      await sendMail(bridge.bridge.smtpPort, { to, body });
      await subscriber.collect(`${prefix}/event`, index + 1);
      smsResults += sms;
      // Wait for this mail's SMS results too, so that every topic's order is the same from run to run.
      if (sms > 0) await subscriber.collect(`${prefix}/sms/last`, smsResults);
    }
    // Home Assistant restarted: everything is announced again.
    await subscriber.publish('homeassistant/status', 'online');
    await subscriber.collect('homeassistant/device/alarm_mail_bridge_zone_6/config', 2);
    await subscriber.collect(`${prefix}/last_event`, mails.length + 1);
    await bridge.stop();
    bridge = undefined;
    await subscriber.next(`${prefix}/availability`, (message) => message.payload === 'offline');
    return normalized(subscriber.messages);
  } finally {
    await cleanUp(
      () => subscriber?.close(),
      () => bridge?.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    );
  }
}

describe('MQTT output, recorded', () => {
  for (const provider of ['twilio', 'none'] as const) {
    it(`publishes the recorded topics and payloads (SMS provider ${provider})`, async () => {
      const file = new URL(`../fixtures/mqtt-golden/sms-${provider}.json`, import.meta.url);
      const recorded = await record(provider);
      if (process.env.UPDATE_GOLDEN) await writeFile(file, `${JSON.stringify(recorded, null, 1)}\n`);
      assert.deepEqual(recorded, JSON.parse(await readFile(file, 'utf8')));
    });
  }
});
