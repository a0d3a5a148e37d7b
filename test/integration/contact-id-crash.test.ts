// An ACK is a promise, as a 250 is: kill -9 right after each ACK, restart, and every report arrives as its event.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { BridgeProcess } from '../helpers/bridge-process.js';
import { cleanUp } from '../helpers/cleanup.js';
import { ContactIdClient, report } from '../helpers/contact-id-client.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort, waitForPort } from '../helpers/ports.js';

const eventTopic = 'alarm-mail-bridge/event';

describe('Contact ID: crash after the ACK', () => {
  let broker: Mosquitto;
  let dataDir: string;

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-cid-crash-'));
  });
  after(() =>
    cleanUp(
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('loses no ACKed report when killed right after each ACK', async () => {
    const port = await freePort();
    const bridge = await BridgeProcess.create(dataDir, broker.url, 'config.yaml', {
      contact_id: { host: '127.0.0.1', port, accounts: ['1234'] },
    });
    await broker.pause(); // nothing can go out before the kill
    const zones = [41, 42, 43];
    try {
      for (const zone of zones) {
        await bridge.start();
        await waitForPort(port);
        const client = await ContactIdClient.connect(port);
        await client.write(report('1234', 1, '130', 1, zone));
        await client.waitForAcks(1);
        await bridge.kill();
        client.close();
      }
      await broker.resume();
      const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
      try {
        await bridge.start();
        const events = (await subscriber.collect(eventTopic, zones.length)).map((message) => JSON.parse(message.payload) as AlarmEvent);
        assert.deepEqual(
          events.map((event) => [event.input, event.type, event.zone]),
          zones.map((zone) => ['contact_id', 'intrusion', zone]),
        );
      } finally {
        await subscriber.close();
      }
    } finally {
      await bridge.stop();
    }
  });
});
