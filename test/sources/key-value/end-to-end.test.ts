// A key:value panel's mail over real SMTP → bridge → real Mosquitto: the event, the panel state and its zone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../../helpers/bridge.js';
import { cleanUp } from '../../helpers/cleanup.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { Subscriber } from '../../helpers/mqtt-subscriber.js';
import { sendMail } from '../../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';

describe('key-value panel end to end: SMTP → MQTT', () => {
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url });
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/#`, 'homeassistant/device/#']);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
    ),
  );

  it('turns a German `Ereignis:` mail into an intrusion in zone 4, the triggered state and the zone device', async () => {
    const raw = await readFile(new URL('../../fixtures/mails/key-value-de-einbruch.eml', import.meta.url));
    const { response } = await sendMail(test.bridge.smtpPort, { from: 'zentrale@haus.local', to: 'alarm@bridge.local', raw });
    const id = /Queued as (\S+)/.exec(response)?.[1];
    assert.ok(id, response);
    const event = JSON.parse(
      (await subscriber.next(`${prefix}/event`, (m) => (JSON.parse(m.payload) as AlarmEvent).id === id)).payload,
    ) as AlarmEvent;
    assert.deepEqual(
      [event.source, event.type, event.category, event.alarm_state, event.zone, event.sensor, event.user, event.text],
      ['key-value', 'intrusion', 'alarm', 'triggered', 4, 'Fenster links', 'Max Müller', 'Ereignis: Einbruch'],
    );
    assert.equal((await subscriber.next(`${prefix}/state`, (m) => m.payload === 'triggered')).payload, 'triggered');
    assert.equal((await subscriber.next(`${prefix}/zone/4/tamper`)).payload, 'OFF');
    const zone = await subscriber.next('homeassistant/device/alarm_mail_bridge_zone_4/config');
    const device = (JSON.parse(zone.payload) as { device: Record<string, unknown> }).device;
    assert.equal(device.name, 'Fenster links');
    // its types are the keywords': the event entity lists no new ones
    const panel = await subscriber.next('homeassistant/device/alarm_mail_bridge_xt1/config');
    const types = (JSON.parse(panel.payload) as { components: { event: { event_types: string[] } } }).components.event.event_types;
    assert.equal(types.length, new Set(types).size);
    assert.ok(types.includes('intrusion') && !types.some((type) => type.includes('key')));
  });
});
