// With no mqtt.url the bridge runs its own broker (standalone start), and events reach its subscribers. That broker
// keeps nothing across a restart, so the bridge publishes every retained value again from data_dir.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';

/** The embedded broker's address, from the bridge's log line. */
function embeddedUrl(test: TestBridge): string {
  const line = test.logs.find((entry) => String(entry.msg).includes('embedded MQTT broker'));
  assert.ok(line, 'the log says the embedded broker runs');
  return `mqtt://127.0.0.1:${String(line.port)}`;
}

describe('embedded broker', () => {
  let test: TestBridge;
  before(async () => (test = await startTestBridge({ mqttUrl: '', mqtt: { embedded_port: 0 } })));

  it('says so in the log and carries the events', async () => {
    const line = test.logs.find((entry) => String(entry.msg).includes('embedded MQTT broker'));
    assert.ok(line, 'the log says the embedded broker runs');
    const subscriber = await Subscriber.connect(`mqtt://127.0.0.1:${String(line.port)}`, ['alarm-mail-bridge/event']);
    try {
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
      const event = JSON.parse((await subscriber.next('alarm-mail-bridge/event')).payload) as AlarmEvent;
      assert.equal(event.type, 'intrusion');
    } finally {
      await subscriber.close();
    }
  });

  it('stops without a warning: a stop is no outage', async () => {
    const before = test.logs.length;
    await test.stop();
    const warnings = test.logs.slice(before).filter((line) => Number(line.level) >= 40);
    assert.deepEqual(
      warnings.map((line) => line.msg),
      [],
    );
  });
});

describe('embedded broker, bridge restarted', () => {
  it("has the last event, a camera's last event and the last SMS and Telegram results back", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'amb-embedded-restart-'));
    const telegram = await new FakeTelegram().start();
    const options = {
      mqttUrl: '',
      dataDir,
      mqtt: { embedded_port: 0 },
      sms: { recipients: ['0170 1234567'] },
      telegram: { bot_token: telegram.token, chat_ids: [123456789], api_url: telegram.url },
    };
    const last = [`${prefix}/last_event`, `${prefix}/camera/ipc06/last_event`, `${prefix}/sms/last`, `${prefix}/telegram/last`];
    let test: TestBridge | undefined;
    let subscriber: Subscriber | undefined;
    try {
      test = await startTestBridge(options);
      subscriber = await Subscriber.connect(embeddedUrl(test), [`${prefix}/#`]);
      const camera = await readFile(new URL('../fixtures/mails/cameras/dahua-motion-base64.eml', import.meta.url));
      await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', from: 'dahua@cam.local', raw: camera });
      await subscriber.next(`${prefix}/camera/ipc06/last_event`);
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
      await subscriber.next(`${prefix}/last_event`, (message) => message.payload.includes('Terrasse'));
      // The alarm's SMS (dry-run) and Telegram message; the camera's photo goes to Telegram first.
      await subscriber.next(`${prefix}/sms/last`);
      await telegram.deliveredCount(2);
      await subscriber.collect(`${prefix}/telegram/last`, 2);
      const before = Object.fromEntries(last.map((topic) => [topic, subscriber!.on(topic).at(-1)?.payload]));
      await cleanUp(
        () => subscriber?.close(),
        () => test?.stop(),
      );
      subscriber = test = undefined;

      test = await startTestBridge(options);
      subscriber = await Subscriber.connect(embeddedUrl(test), [`${prefix}/#`]);
      // A value the bridge forgot never comes: after 10 s it counts as missing, so the failure names it.
      const arrived = (topic: string) =>
        Promise.race([subscriber!.next(topic).then((message) => message.payload), delay(10_000, undefined, { ref: false })]);
      const after = Object.fromEntries(await Promise.all(last.map(async (topic) => [topic, await arrived(topic)] as const)));
      assert.deepEqual(after, before);
      assert.match(String(after[`${prefix}/last_event`]), /Terrasse/);
      assert.match(String(after[`${prefix}/telegram/last`]), /"result":"sent"/);
    } finally {
      await cleanUp(
        () => subscriber?.close(),
        () => test?.stop(),
        () => telegram.stop(),
        () => rm(dataDir, { recursive: true, force: true }),
      );
    }
  });
});
