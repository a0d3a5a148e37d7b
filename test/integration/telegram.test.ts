// End to end: an XT1 alarm over SMTP arrives at the (fake) Bot API as a message written as the panel wrote it; a chat
// that blocked the bot is a final, visible failure; the health shows on MQTT and in Home Assistant's discovery.
// The token appears nowhere.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';
const chat = '123456789';
const blocked = '555555555';

describe('Telegram end to end', () => {
  let broker: Mosquitto;
  let telegram: FakeTelegram;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    telegram = await new FakeTelegram().start();
    subscriber = await Subscriber.connect(broker.url, ['#']);
    test = await startTestBridge({
      mqttUrl: broker.url,
      telegram: { bot_token: telegram.token, chat_ids: [Number(chat), blocked], api_url: telegram.url },
    });
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => telegram.stop(),
      () => broker.stop(),
    ),
  );

  it('sends an XT1 alarm as a message exactly as written, and shows a blocked chat as a final delivery problem', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Tür_1 *Süd*, Innenbereich Alarm' });
    const [message] = await telegram.deliveredCount(1);
    assert.deepEqual(
      [message?.method, message?.chatId, message?.text, message?.parseMode],
      ['sendMessage', chat, 'Zone:1 Tür_1 *Süd*, Innenbereich Alarm', undefined],
    );
    const results = (await subscriber.collect(`${prefix}/telegram/last`, 2)).map(
      (received) => JSON.parse(received.payload) as Record<string, unknown>,
    );
    const byChat = Object.fromEntries(results.map((result) => [result.chat, [result.result, result.error_code]]));
    assert.deepEqual(byChat, { '*****6789': ['sent', undefined], '*****5555': ['failed', '403'] });
    assert.equal((await subscriber.next(`${prefix}/telegram/problem`, (received) => received.payload === 'ON')).payload, 'ON');
    const bridge = JSON.parse((await subscriber.next('homeassistant/device/alarm_mail_bridge/config')).payload) as {
      components: Record<string, { name?: string; state_topic?: string }>;
    };
    assert.deepEqual(
      [bridge.components.telegram_problem?.name, bridge.components.telegram_problem?.state_topic],
      ['Telegram delivery problem', `${prefix}/telegram/problem`],
    );
    assert.deepEqual(
      [bridge.components.telegram_last?.name, bridge.components.telegram_last?.state_topic],
      ['Last Telegram result', `${prefix}/telegram/last`],
    );
    assert.equal(telegram.delivered.length, 1);
    assert.ok((await readdir(join(test.dataDir, 'outbox'))).includes('telegram'));
  });

  it('keeps the token and whole chat ids out of every log line and MQTT payload', () => {
    const written = JSON.stringify(test.logs) + subscriber.messages.map((received) => received.payload).join('\n');
    for (const secret of [telegram.token, telegram.token.split(':')[1] ?? '', chat, blocked]) assert.ok(!written.includes(secret), secret);
  });
});

describe('Telegram off', () => {
  it('loads and contacts nothing without a bot token: no outbox, no health entities', async () => {
    const broker = await Mosquitto.start();
    const subscriber = await Subscriber.connect(broker.url, ['#']);
    const test = await startTestBridge({ mqttUrl: broker.url });
    try {
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
      await subscriber.next(`${prefix}/event`);
      const bridge = JSON.parse((await subscriber.next('homeassistant/device/alarm_mail_bridge/config')).payload) as {
        components: Record<string, unknown>;
      };
      assert.deepEqual(
        Object.keys(bridge.components).filter((key) => key.startsWith('telegram')),
        [],
      );
      assert.ok(!(await readdir(join(test.dataDir, 'outbox'))).includes('telegram'));
      assert.ok(!test.logs.some((line) => line.component === 'telegram'));
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => test.stop(),
        () => broker.stop(),
      );
    }
  });
});
