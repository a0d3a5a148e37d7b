// Home Assistant discovery against a real Mosquitto: valid retained configs, zones from traffic,
// re-announcement on Home Assistant's birth, and removal when discovery is turned off.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { checkDevicePayload, type Entity } from '../helpers/ha-discovery.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { type Received, Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';
const configTopic = (id: string) => `homeassistant/device/${id}/config`;

describe('Home Assistant discovery', () => {
  let broker: Mosquitto;
  let dataDir: string;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-discovery-'));
    // SMS in dry-run, for every category: each mail leaves a last SMS result, which Home Assistant shows.
    test = await startTestBridge({
      mqttUrl: broker.url,
      dataDir,
      rules: [{ match: '^Garage offen$', type: 'garage_open', category: 'status' }],
      sms: { recipients: ['0170 1234567'], send_on: ['alarm', 'status', 'trouble', 'test'] },
    });
    subscriber = await Subscriber.connect(broker.url, ['homeassistant/#', `${prefix}/#`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  const payloadOf = (message: Received) => JSON.parse(message.payload) as Record<string, unknown>;

  it('announces the bridge and the panel with valid, retained configs whose topics are all published', async () => {
    const bridge = await subscriber.next(configTopic('alarm_mail_bridge'));
    const panel = await subscriber.next(configTopic('alarm_mail_bridge_xt1'));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Benutzer 1, Arm' });
    for (const topic of ['event', 'last_event', 'state', 'sms/last']) await subscriber.next(`${prefix}/${topic}`);
    const entities: Entity[] = [];
    for (const message of [bridge, panel]) {
      assert.equal(message.retain, true);
      const { problems, entities: found } = checkDevicePayload(payloadOf(message));
      assert.deepEqual(problems, []);
      assert.equal(payloadOf(message).availability_topic, `${prefix}/availability`);
      entities.push(...found);
    }
    const uniqueIds = entities.map((entity) => entity.config.unique_id);
    assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique ids are unique');
    const published = new Set(subscriber.messages.map((message) => message.topic));
    for (const entity of entities) {
      for (const key of ['state_topic', 'json_attributes_topic']) {
        const topic = entity.config[key];
        // The last command's result is unknown until Home Assistant sends one.
        if (entity.config.unique_id === 'alarm_mail_bridge_last_command') continue;
        if (typeof topic === 'string') assert.ok(published.has(topic), `${String(entity.config.unique_id)}: ${topic} is published`);
      }
    }
    assert.ok(published.has(`${prefix}/availability`));
    const eventEntity = entities.find((entity) => entity.platform === 'event');
    const eventTypes = eventEntity?.config.event_types as string[];
    for (const type of ['intrusion', 'tamper', 'fire', 'armed_away', 'alarm', 'unknown', 'unparsed', 'garage_open'])
      assert.ok(eventTypes.includes(type), type);
    const smsLast = entities.find((entity) => entity.config.unique_id === 'alarm_mail_bridge_sms_last');
    assert.ok((smsLast?.config.options as string[] | undefined)?.includes('dry_run'));
    assert.equal((await subscriber.next(`${prefix}/sms/last`)).payload.includes('"result":"dry_run"'), true, 'a dry-run shows as dry_run');
    assert.ok(
      !entities.some((entity) => entity.config.unique_id === 'alarm_mail_bridge_sms_problem'),
      'no delivery problem without a provider',
    );
    assert.deepEqual(subscriber.on(`${prefix}/sms/problem`), [], 'and no topic for it');
    assert.deepEqual(payloadOf(panel).device, {
      identifiers: ['alarm_mail_bridge_xt1'],
      name: 'Lupusec XT1',
      manufacturer: 'Lupus Electronics',
      model: 'XT1',
      via_device: 'alarm_mail_bridge',
    });
  });

  it('creates a zone device with its entities at the first mail that names the zone, and publishes its states', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Zone:3 Haustür, DC Open - Mobility' });
    const zone = await subscriber.next(configTopic('alarm_mail_bridge_zone_3'));
    const { problems, entities } = checkDevicePayload(payloadOf(zone));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      entities.map((entity) => entity.config.device_class),
      ['opening', 'tamper', 'problem', 'timestamp'],
    );
    assert.equal((payloadOf(zone).device as { name: string }).name, 'Haustür');
    assert.equal((await subscriber.next(`${prefix}/zone/3/door`)).payload, 'ON');
    assert.equal((await subscriber.next(`${prefix}/zone/3/tamper`)).payload, 'OFF');
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:3 Haustür, Sabotage Alarm' });
    const tamper = await subscriber.next(`${prefix}/zone/3/tamper`, (message) => message.payload === 'ON');
    assert.equal(tamper.retain, false, 'a live publish reaches current subscribers unflagged; the broker keeps it retained');
    const lastAlarm = JSON.parse((await subscriber.next(`${prefix}/zone/3/last_alarm`)).payload) as Record<string, unknown>;
    assert.equal(lastAlarm.type, 'tamper', "the alarm shows on the zone's device");
  });

  it('drives the panel through triggered and back to disarmed; events are never retained', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    await subscriber.next(`${prefix}/state`, (message) => message.payload === 'triggered');
    await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Disarm' });
    await subscriber.next(`${prefix}/state`, (message) => message.payload === 'disarmed');
    const late = await Subscriber.connect(broker.url, [`${prefix}/state`, `${prefix}/event`, `${prefix}/zone/3/tamper`]);
    try {
      assert.equal((await late.next(`${prefix}/state`)).payload, 'disarmed');
      assert.equal((await late.next(`${prefix}/zone/3/tamper`)).retain, true);
      assert.deepEqual(late.on(`${prefix}/event`), [], 'no retained event');
    } finally {
      await late.close();
    }
  });

  it('announces everything again when Home Assistant comes online', async () => {
    const configsBefore = subscriber.on(configTopic('alarm_mail_bridge_xt1')).length;
    const zoneStatesBefore = subscriber.on(`${prefix}/zone/3/door`).length;
    const publisher = await Subscriber.connect(broker.url, []);
    await publisher.publish('homeassistant/status', 'online');
    await publisher.close();
    await subscriber.next(
      configTopic('alarm_mail_bridge_xt1'),
      () => subscriber.on(configTopic('alarm_mail_bridge_xt1')).length > configsBefore,
    );
    await subscriber.next(`${prefix}/zone/3/door`, () => subscriber.on(`${prefix}/zone/3/door`).length > zoneStatesBefore);
    assert.equal(subscriber.on(configTopic('alarm_mail_bridge_zone_3')).length >= 2, true);
  });

  it("answers a command from the alarm panel with refused and the reason, shown on the bridge's Last command", async () => {
    const publisher = await Subscriber.connect(broker.url, []);
    await publisher.publish(`${prefix}/command`, 'ARM_AWAY');
    await publisher.close();
    const result = JSON.parse((await subscriber.next(`${prefix}/command_result`)).payload) as Record<string, unknown>;
    assert.deepEqual(
      [result.entity, result.command, result.result, result.reason],
      ['panel_alarm', 'ARM_AWAY', 'refused', 'the XT1 cannot be armed or disarmed by mail'],
    );
    assert.ok(test.logs.some((line) => line.command === 'ARM_AWAY' && String(line.msg).includes('command refused')));
  });

  it('remembers zones across a restart and removes every entity when discovery is turned off', async () => {
    await test.stop();
    const announcedBefore = subscriber.on(configTopic('alarm_mail_bridge_zone_3')).length;
    const restarted = await startTestBridge({ mqttUrl: broker.url, dataDir });
    await subscriber.next(
      configTopic('alarm_mail_bridge_zone_3'),
      () => subscriber.on(configTopic('alarm_mail_bridge_zone_3')).length > announcedBefore,
    );
    await restarted.stop();
    test = await startTestBridge({ mqttUrl: broker.url, dataDir, mqtt: { discovery: false } });
    for (const id of ['alarm_mail_bridge', 'alarm_mail_bridge_xt1', 'alarm_mail_bridge_zone_3']) {
      await subscriber.next(configTopic(id), (message) => message.payload === '');
    }
    const late = await Subscriber.connect(broker.url, ['homeassistant/device/+/config']);
    try {
      await late.publish('probe/done', 'x');
      assert.deepEqual(late.messages, [], 'no retained discovery left');
    } finally {
      await late.close();
    }
  });
});
