// Broker down and SMS provider failing during one stream of mails: intake keeps accepting, and once both are
// back every event arrives, in order, on each output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeCm } from '../helpers/fake-cm.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';

describe('broker and SMS provider down together', () => {
  let broker: Mosquitto;
  let cm: FakeCm;
  let test: TestBridge;

  before(async () => {
    broker = await Mosquitto.start();
    cm = await new FakeCm().start();
    test = await startTestBridge({
      mqttUrl: broker.url,
      sms: { provider: 'cm', sender: 'Alarm', recipients: ['0170 1234567'], api_url: cm.url, cm: { product_token: cm.productToken } },
    });
  });
  after(() =>
    cleanUp(
      () => test.stop(),
      () => cm.stop(),
      () => broker.stop(),
    ),
  );

  it('delivers every event on both outputs, in order, once both are back', async (t) => {
    const subscriber = await Subscriber.connect(broker.url, [eventTopic], { clientId: 'outages-test', clean: false });
    try {
      await broker.pause();
      const failure = { status: 500, body: { details: 'Internal error', errorCode: 999, messages: [] } };
      cm.scripted.push(failure, failure);
      const texts = Array.from({ length: 5 }, (_, index) => `Zone:${index + 1} Raum ${index + 1}, Innenbereich Alarm`);
      for (const body of texts) assert.match((await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body })).response, /^250 /);
      await broker.resume();
      const events = (await subscriber.collect(eventTopic, 5)).map((message) => (JSON.parse(message.payload) as AlarmEvent).text);
      assert.deepEqual(events, texts);
      const requests = await cm.received(7);
      const delivered = requests.slice(2).map((request) => FakeCm.messagesOf(request)[0]?.body?.content);
      assert.deepEqual(delivered, texts);
      t.diagnostic(
        `outage: 5 mails accepted while both were down; ${requests.length} SMS requests (2 refused by the provider), 5 MQTT events, all in order`,
      );
    } finally {
      await subscriber.close();
    }
  });
});
