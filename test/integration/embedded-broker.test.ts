// With no mqtt.url the bridge runs its own broker (standalone start), and events reach its subscribers.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

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
    assert.deepEqual(warnings.map((line) => line.msg), []);
  });
});
