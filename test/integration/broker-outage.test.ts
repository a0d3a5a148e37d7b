// While the broker is down the bridge keeps accepting mail; once it is back, every event arrives in order.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { readJournal } from '../helpers/journal.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';

describe('broker outage', () => {
  let broker: Mosquitto;
  let test: TestBridge;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url });
  });
  after(() =>
    cleanUp(
      () => test.stop(),
      () => broker.stop(),
    ),
  );

  it('accepts mails while the broker is down and publishes them in order when it is back', async () => {
    // A persistent session, so events published before this subscriber reconnects are kept for it.
    const subscriber = await Subscriber.connect(broker.url, [eventTopic], { clientId: 'outage-test', clean: false });
    try {
      await broker.pause();
      const accepted: string[] = [];
      for (let zone = 1; zone <= 5; zone++) {
        const { response } = await sendMail(test.bridge.smtpPort, {
          to: 'status@bridge.local',
          body: `Zone:${zone} Fenster ${zone}, DC Open - Mobility`,
        });
        accepted.push(/Queued as (\S+)/.exec(response)?.[1] ?? response);
      }
      await broker.resume();
      const events = (await subscriber.collect(eventTopic, 5)).map((message) => JSON.parse(message.payload) as AlarmEvent);
      assert.deepEqual(
        events.map((event) => event.id),
        accepted,
      );
      assert.deepEqual(
        events.map((event) => event.zone),
        [1, 2, 3, 4, 5],
      );
      assert.ok(test.logs.some((line) => line.msg === 'reconnected to MQTT broker'));
    } finally {
      await subscriber.close();
    }
  });

  it('stops while events wait for a broker that does not answer, and sends them after the next start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'amb-outage-stop-'));
    const subscriber = await Subscriber.connect(broker.url, [eventTopic], { clientId: 'outage-stop-test', clean: false });
    try {
      const first = await startTestBridge({ mqttUrl: broker.url, dataDir });
      broker.freeze(); // the bridge's publishes go out and are never acknowledged
      const { response } = await sendMail(first.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:3 Flur, Innenbereich Alarm' });
      const id = /Queued as (\S+)/.exec(response)?.[1];
      await first.stop();
      broker.thaw();
      assert.deepEqual((await readJournal(dataDir)).pending, [id]);

      const second = await startTestBridge({ mqttUrl: broker.url, dataDir });
      try {
        const event = JSON.parse(
          (await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === id)).payload,
        ) as AlarmEvent;
        assert.equal(event.zone, 3);
        assert.ok(second.logs.some((line) => line.msg === 'processing records left in the spool' && line.pending === 1));
      } finally {
        await second.stop();
      }
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => rm(dataDir, { recursive: true, force: true }),
      );
    }
  });
});
