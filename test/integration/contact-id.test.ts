// Contact ID end to end over TCP: a panel's reports, however TCP splits or joins them, are ACKed once stored and
// reach MQTT as events of input contact_id; a wrong checksum, an unknown account, garbage or an endless line get no
// ACK, are logged once per connection and never stop the receiver.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { BusEvents } from '../../src/core/bus.js';
import type { AlarmEvent } from '../../src/core/event.js';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { ContactIdClient, report } from '../helpers/contact-id-client.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';

const eventTopic = 'alarm-mail-bridge/event';
const intakeFacts: BusEvents['intake'][] = [];
/** Records the inputs' `intake` facts, as an observer of the bus (the status page's inputs). */
const intakeLog = featureModule({
  name: 'intake_log',
  create: (_settings, { bus }) => ({
    start() {
      bus.on('intake', (fact) => intakeFacts.push(fact));
    },
    stop() {},
  }),
});
const eventsOf = (subscriber: Subscriber) => subscriber.on(eventTopic).map((message) => JSON.parse(message.payload) as AlarmEvent);

describe('Contact ID end to end', () => {
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;
  let port: number;
  const clients: ContactIdClient[] = [];
  const connect = async () => {
    const client = await ContactIdClient.connect(port);
    clients.push(client);
    return client;
  };
  /** The events of input contact_id whose text names this zone. */
  const eventsOfZone = (zone: number) => eventsOf(subscriber).filter((event) => event.input === 'contact_id' && event.zone === zone);
  const warnings = (connectionText: string) =>
    test.logs.filter((line) => line.level === 40 && String(line.msg).includes(connectionText)).length;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({
      mqttUrl: broker.url,
      contactId: { port: await freePort(), accounts: ['1234', 'test'] },
      features: [intakeLog],
    });
    port = test.bridge.contactIdPort!;
    subscriber = await Subscriber.connect(broker.url, [eventTopic, 'homeassistant/device/#']);
  });
  after(() =>
    cleanUp(
      () => {
        for (const client of clients) client.close();
      },
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
    ),
  );

  it("ACKs the issue's example with one 0x06 and publishes its event with input contact_id", async () => {
    const client = await connect();
    await client.write('[test 18313100003D504]');
    await client.waitForAcks(1);
    assert.deepEqual([...client.received], [0x06]);
    assert.deepEqual(
      intakeFacts.find((fact) => fact.input === 'contact_id'),
      { input: 'contact_id', listening: true, address: `127.0.0.1:${port}` },
    );
    const message = await subscriber.next(eventTopic, (received) => (JSON.parse(received.payload) as AlarmEvent).input === 'contact_id');
    const event = JSON.parse(message.payload) as AlarmEvent;
    assert.deepEqual(
      { input: event.input, source: event.source, type: event.type, zone: event.zone, text: event.text, details: event.details },
      {
        input: 'contact_id',
        source: 'contact_id',
        type: 'restored',
        zone: 3,
        text: 'Perimeter burglary restored zone 3 (R131 P00 Z003)',
        details: { code: '131', qualifier: 3, partition: 0, account: 'test' },
      },
    );
  });

  it("lists Contact ID's types among the panel's event types while the receiver is on", async () => {
    const panel = JSON.parse((await subscriber.next('homeassistant/device/alarm_mail_bridge_xt1/config')).payload) as {
      components: Record<string, { platform: string; event_types?: string[] }>;
    };
    const eventTypes = Object.values(panel.components).find((component) => component.platform === 'event')?.event_types ?? [];
    for (const type of ['intrusion', 'duress', 'power_failure', 'supervision_restored', 'alarm_cancelled', 'periodic_test'])
      assert.ok(eventTypes.includes(type), type);
    assert.equal(new Set(eventTypes).size, eventTypes.length, 'each type once');
  });

  it('ACKs a report split across TCP writes, and each of several reports in one write', async () => {
    const client = await connect();
    const split = report('1234', 1, '130', 1, 11);
    for (const piece of [split.slice(0, 3), split.slice(3, 12), split.slice(12)]) {
      await client.write(piece);
      await delay(30); // apart, so that they arrive as separate reads
    }
    await client.waitForAcks(1);
    await client.write(`${report('1234', 1, '130', 1, 12)}\r\n${report('1234', 3, '130', 1, 12)}${report('1234', 1, '110', 1, 12)}`);
    await client.waitForAcks(4);
    await waitFor(() => eventsOfZone(11).length === 1 && eventsOfZone(12).length === 3);
    assert.deepEqual(
      eventsOfZone(12).map((event) => event.type),
      ['intrusion', 'restored', 'fire'],
    );
    assert.equal(eventsOfZone(11)[0]!.type, 'intrusion');
    assert.equal(client.acks, 4);
  });

  it('gives a wrong checksum and an unknown account no ACK, logs it once per connection, and ACKs a good report after', async () => {
    const client = await connect();
    const good = report('1234', 1, '130', 1, 21);
    const wrongSum = `${good.slice(0, -5)}${good.at(-5) === '0' ? '1' : '0'}${good.slice(-4)}`;
    await client.write(wrongSum);
    await client.write(report('9999', 1, '130', 1, 22));
    await client.write(report('9999', 1, '130', 1, 22));
    await client.write(good);
    await client.waitForAcks(1);
    await delay(200);
    assert.equal(client.acks, 1, 'only the good report is ACKed');
    await waitFor(() => eventsOfZone(21).length === 1);
    assert.equal(eventsOfZone(22).length, 0, 'a report of an unknown account is no event');
    assert.equal(warnings('logged once per connection'), 1);
  });

  it('closes a connection that sends garbage or an endless line without an ACK, and keeps receiving', async () => {
    const garbage = await connect();
    for (let round = 0; round < 12; round++) await garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await garbage.waitForClose();
    const endless = await connect();
    await endless.write('[1234 18');
    await endless.write(Buffer.alloc(64 * 1024, 0x31));
    await endless.waitForClose();
    assert.equal(garbage.acks + endless.acks, 0);
    const client = await connect();
    await client.write(report('1234', 1, '137', 1, 31));
    await client.waitForAcks(1);
    await waitFor(() => eventsOfZone(31).length === 1);
    assert.equal(eventsOfZone(31)[0]!.type, 'tamper');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(25);
  }
}
