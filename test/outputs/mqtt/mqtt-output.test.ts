// The MQTT output against a real Mosquitto: what it publishes beside discovery, and how often. Numbers in
// event recipients are masked unless opted in; the SMS values go out once per change and connect; a clean stop
// says `offline` once and logs no warning.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Bus, type BusEvents, type EntityCommand } from '../../../src/core/bus.js';
import { EntityRegistry } from '../../../src/core/entities.js';
import type { AlarmEvent } from '../../../src/core/event.js';
import { createLogger } from '../../../src/log.js';
import { type AnnouncedDiscovery, MqttOutput, type MqttSettings } from '../../../src/outputs/mqtt/index.js';
import type { Zones } from '../../../src/outputs/mqtt/zones.js';
import { smsHealth } from '../../../src/outputs/sms/health.js';
import { catalogOf } from '../../../src/sources/catalog.js';
import { buildProfiles } from '../../../src/sources/registry.js';
import { StateFile } from '../../../src/spool/state-file.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { cleanUp } from '../../helpers/cleanup.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { type Received, Subscriber } from '../../helpers/mqtt-subscriber.js';
import { freePort } from '../../helpers/ports.js';

let sequence = 0;

function event(recipients: string[]): AlarmEvent {
  return alarmEvent({ time: '2026-11-21T18:03:12.345Z', from: 'xt1@panel.local', recipients });
}

describe('MqttOutput', () => {
  let broker: Mosquitto;
  let dataDir: string;
  let prefix: string;
  let subscriber: Subscriber;
  const running: MqttOutput[] = [];

  before(async () => {
    broker = await Mosquitto.start();
  });
  after(() => broker.stop());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-mqtt-output-'));
    prefix = `amb-test-${++sequence}`;
    // A persistent session: what the output publishes while this subscriber reconnects after a broker restart waits for it.
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/#`], { clientId: `${prefix}-subscriber`, clean: false });
  });
  afterEach(async () => {
    await cleanUp(
      ...running.splice(0).map((output) => () => output.stop()),
      () => subscriber.close(),
      () => rm(dataDir, { recursive: true, force: true }),
    );
  });

  /** The SMS health the MQTT output shows, as the SMS output reports it on the bus. */
  let bus: Bus;
  let entities: EntityRegistry;
  const publishSmsProblem = (problem: boolean) => bus.emit('health', { output: 'sms', problem, last: undefined });
  const publishSmsResult = (last: { result: string }) => bus.emit('health', { output: 'sms', problem: undefined, last });

  function create(
    settings: Partial<MqttSettings> & { smsHealth?: boolean } = {},
    url = broker.url,
    zoneFile = new StateFile<Zones>(join(dataDir, 'zones.json')),
  ) {
    const { smsHealth: withProvider = true, ...rest } = settings;
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    bus = new Bus((name, error) => {
      throw new Error(`bus listener of ${name} failed`, { cause: error });
    });
    entities = new EntityRegistry(bus);
    const output = new MqttOutput(
      {
        connection: async () => ({ url, username: '', password: '' }),
        topicPrefix: prefix,
        discoveryPrefix: `${prefix}-ha`,
        discovery: true,
        motionOffDelaySeconds: 30,
        cameraMotionOffDelaySeconds: 30,
        version: '1.2.3',
        projectUrl: undefined,
        catalog: { ...catalogOf(buildProfiles([])), eventTypes: ['intrusion'] },
        health: [{ output: 'sms', ...smsHealth(withProvider) }],
        fullAddresses: false,
        ...rest,
      },
      {
        log: createLogger({ level: 'debug', destination }),
        bus,
        entities,
        currentAlarmState: () => null,
        zoneFile,
        announcedFile: new StateFile<AnnouncedDiscovery>(join(dataDir, 'discovery.json')),
        cameraFile: new StateFile(join(dataDir, 'cameras.json')),
        lastValuesFile: new StateFile(join(dataDir, 'last-values.json')),
        images: { read: async () => undefined },
      },
    );
    running.push(output);
    return { output, logs };
  }

  /** Live messages (not retained ones replayed at a subscribe) on a topic, from `index` on. */
  const live = (topic: string, from = 0) => subscriber.messages.slice(from).filter((message) => message.topic === topic && !message.retain);
  /** Delivers an event and waits until the subscriber has it: everything the output published before is there too. */
  async function deliverAndSee(output: MqttOutput, delivered = event(['alarm@bridge.local'])): Promise<Received> {
    await output.deliver(delivered);
    return subscriber.next(`${prefix}/event`, (message) => (JSON.parse(message.payload) as AlarmEvent).id === delivered.id);
  }

  it('masks number addresses in the event and the retained last event', async () => {
    const { output } = create();
    await output.start();
    const received = await deliverAndSee(output, event(['+4915112345678@sms.local', 'alarm@bridge.local']));
    const last = await subscriber.next(`${prefix}/last_event`);
    for (const message of [received, last]) {
      assert.deepEqual((JSON.parse(message.payload) as AlarmEvent).recipients, ['**********5678@sms.local', 'alarm@bridge.local']);
      assert.ok(!message.payload.includes('15112345678'));
    }
  });

  it("hands the zone state's write over with the delivery, which does not wait for it, however slow the disk", async () => {
    // A slow card: the write lands 200 ms after it is asked for. The next event must not wait for it; the record is
    // retired only once it is on disk (the processor waits for `settled`), so a kill cannot bring back the old state.
    class SlowStateFile<T> extends StateFile<T> {
      override async write(value: T): Promise<void> {
        await delay(200);
        return super.write(value);
      }
    }
    const path = join(dataDir, 'slow-zones.json');
    const { output } = create({}, broker.url, new SlowStateFile<Zones>(path));
    await output.start();
    const receipt = await output.deliver({ ...event(['alarm@bridge.local']), zone: 5, sensor: 'Keller' });
    assert.equal(await new StateFile<Zones>(path).read(), undefined, 'delivered before the zone state is written');
    assert.ok(receipt?.settled, 'the write is handed over');
    await receipt.settled;
    assert.equal((await new StateFile<Zones>(path).read())?.['5']?.name, 'Keller');
  });

  it('delivers an event once when its zone state cannot be saved (a full disk), and saves the state once it can', async () => {
    // A file where the state's folder should be: every write fails, as on a full disk.
    const blocked = join(dataDir, 'blocked');
    const zoneFile = new StateFile<Zones>(join(blocked, 'zones.json'), { retryMs: 20 });
    const { output, logs } = create({}, broker.url, zoneFile);
    await output.start();
    await writeFile(blocked, '');
    const zoned = { ...event(['alarm@bridge.local']), zone: 3, sensor: 'Flur' };
    await deliverAndSee(output, zoned);
    const fence = event(['alarm@bridge.local']);
    await deliverAndSee(output, fence);
    assert.equal(live(`${prefix}/event`).filter((message) => (JSON.parse(message.payload) as AlarmEvent).id === zoned.id).length, 1);

    await rm(blocked);
    let saved: Zones | undefined;
    for (let tries = 0; tries < 250 && !saved?.['3']; tries++) {
      await delay(20);
      saved = await zoneFile.read().catch(() => undefined);
    }
    assert.equal(saved?.['3']?.name, 'Flur', 'written once the disk allows');
    const told = logs.filter((line) => String(line.msg).startsWith('cannot save a state file'));
    assert.equal(told.length, 1, 'the failure is told once, not at every retry');
    assert.equal(told[0]?.level, 40);
    assert.ok(logs.some((line) => line.msg === 'state file saved again'));
  });

  it('masks a number address as the sender too', async () => {
    const { output } = create();
    await output.start();
    const received = await deliverAndSee(output, { ...event(['alarm@bridge.local']), from: '0151.1234.5678@panel.local' });
    assert.equal((JSON.parse(received.payload) as AlarmEvent).from, '**********5678@panel.local');
  });

  it("masks a raised event's own recipients (to: sms, call, telegram) like its addresses", async () => {
    const { output } = create();
    await output.start();
    const to = { sms: ['+4915112345678'], call: ['+4917098765432'], telegram: ['123456789'] };
    const raised = { ...event([]), input: 'raised', to };
    const received = await deliverAndSee(output, raised);
    assert.deepEqual((JSON.parse(received.payload) as AlarmEvent).to, {
      sms: ['**********5678'],
      telegram: ['*****6789'],
      call: ['**********5432'],
    });
    for (const whole of ['15112345678', '17098765432', '123456789']) assert.ok(!received.payload.includes(whole), whole);
  });

  it('publishes number addresses in full when mqtt.full_addresses is on', async () => {
    const { output } = create({ fullAddresses: true });
    await output.start();
    const to = { sms: ['+4915112345678'] };
    const received = await deliverAndSee(output, { ...event(['+4915112345678@sms.local']), from: '+4915112345678@panel.local', to });
    assert.deepEqual((JSON.parse(received.payload) as AlarmEvent).recipients, ['+4915112345678@sms.local']);
    assert.deepEqual((JSON.parse(received.payload) as AlarmEvent).to, to);
    assert.equal((JSON.parse(received.payload) as AlarmEvent).from, '+4915112345678@panel.local');
  });

  it('publishes the SMS problem flag once per change and once after a reconnect', async () => {
    const { output, logs } = create();
    const problemTopic = `${prefix}/sms/problem`;
    // As the SMS output does at its start: after this one's start began (it is first in the registry), before the broker is there.
    const started = output.start();
    publishSmsProblem(false);
    await started;
    await deliverAndSee(output);
    assert.deepEqual(
      live(problemTopic).map((message) => message.payload),
      ['OFF'],
      'once at the first connect',
    );
    publishSmsProblem(false);
    publishSmsProblem(true);
    await deliverAndSee(output);
    assert.deepEqual(
      live(problemTopic).map((message) => message.payload),
      ['OFF', 'ON'],
      'an unchanged value is not sent again',
    );

    const beforeRestart = subscriber.messages.length;
    await broker.pause();
    await broker.resume();
    await deliverAndSee(output); // waits for the reconnect
    assert.ok(logs.some((line) => line.msg === 'reconnected to MQTT broker'));
    assert.deepEqual(
      live(problemTopic, beforeRestart).map((message) => message.payload),
      ['ON'],
      'once after the reconnect',
    );
  });

  it('tells the bus each connect and each loss of the broker, its password redacted, also at its stop', async () => {
    const { output } = create({}, broker.url.replace('mqtt://', 'mqtt://bridge:s3cret@'));
    const seen: BusEvents['broker'][] = [];
    let told: (() => void) | undefined;
    bus.on('broker', (fact) => {
      seen.push(fact);
      told?.();
    });
    // With a deadline: a fact that never comes is a diff, not a hang until the runner's timeout.
    const next = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (seen.length < count) {
        assert.ok(Date.now() < deadline, `${count} broker facts expected, seen ${JSON.stringify(seen)}`);
        await new Promise<void>((resolve) => {
          told = resolve;
          setTimeout(resolve, 100);
        });
      }
    };
    const url = `mqtt://bridge:redacted@127.0.0.1:${broker.port}`;
    await output.start();
    await next(1);
    assert.deepEqual(seen, [{ connected: true, url }]);
    // Connected when it says so: an event goes out at once.
    await deliverAndSee(output);
    await broker.pause();
    await next(2);
    assert.deepEqual(seen[1], { connected: false, url });
    await broker.resume();
    await next(3);
    assert.deepEqual(seen[2], { connected: true, url });
    await output.stop();
    assert.deepEqual(seen.slice(3), [{ connected: false, url }]);
    assert.ok(!JSON.stringify(seen).includes('s3cret'));
  });

  it("tells the bus a zone's state when an event changes it, not when it does not, and the zones it knows at its start", async () => {
    const first = create();
    const seen: BusEvents['zoneState'][] = [];
    bus.on('zoneState', (fact) => seen.push(fact));
    await first.output.start();
    assert.equal(seen.length, 0);
    const doorOpen = { ...event(['status@bridge.local']), zone: 3, sensor: 'Haustür', category: 'status' as const, type: 'door_open' };
    const delivered = first.output.deliver(doorOpen);
    assert.deepEqual(
      seen,
      [{ zone: 3, name: 'Haustür', state: { door: 'ON', motion: false, tamper: 'OFF', problem: 'OFF' } }],
      'told as the zone changes, before the publishes',
    );
    await delivered;
    await first.output.deliver({ ...doorOpen, id: `${doorOpen.id}-again` });
    assert.equal(seen.length, 1, 'the same state again is no change');
    await first.output.deliver({
      ...event(['alarm@bridge.local']),
      zone: 3,
      sensor: 'Haustür',
      type: 'intrusion',
      time: '2026-11-21T18:03:12.345Z',
    });
    assert.deepEqual(seen.at(-1)?.state.lastAlarm, { type: 'intrusion', time: '2026-11-21T18:03:12.345Z' });
    await first.output.stop();

    const second = create();
    const known: BusEvents['zoneState'][] = [];
    bus.on('zoneState', (fact) => known.push(fact));
    await second.output.start();
    assert.deepEqual(known, [seen.at(-1)], 'the zone from zones.json, at the start');
  });

  it('publishes no SMS problem flag without a provider, but the last SMS result', async () => {
    const { output } = create({ smsHealth: false });
    const started = output.start();
    publishSmsProblem(false);
    publishSmsResult({ result: 'dry_run' });
    await started;
    await deliverAndSee(output);
    assert.deepEqual(live(`${prefix}/sms/problem`), []);
    assert.deepEqual(
      live(`${prefix}/sms/last`).map((message) => JSON.parse(message.payload) as unknown),
      [{ result: 'dry_run' }],
    );
  });

  it('says offline once on a clean stop, and logs no warning', async () => {
    const { output, logs } = create();
    const started = output.start();
    publishSmsProblem(false);
    await started;
    await deliverAndSee(output);
    publishSmsResult({ result: 'sent' });
    await output.stop();
    // A round trip on the subscriber's own connection: a last will the broker sent at the close arrives before it.
    await subscriber.publish(`${prefix}/probe`, 'done');
    await subscriber.next(`${prefix}/probe`);
    assert.deepEqual(
      live(`${prefix}/availability`).map((message) => message.payload),
      ['online', 'offline'],
    );
    assert.deepEqual(
      logs.filter((line) => Number(line.level) >= 40),
      [],
    );
  });

  it('logs no failed publish when it stops before any broker answered', async () => {
    const { output, logs } = create({}, `mqtt://127.0.0.1:${await freePort()}`);
    const started = output.start();
    publishSmsProblem(true);
    await started;
    publishSmsResult({ result: 'failed' });
    await output.stop();
    assert.deepEqual(
      logs.filter((line) => String(line.msg).includes('publishing')),
      [],
    );
  });

  it('publishes the health of any output from the bus, by its description alone', async () => {
    const { output } = create({
      health: [
        {
          output: 'telegram',
          problem: { name: 'Telegram problem' },
          last: { name: 'Last Telegram result', icon: 'mdi:send', options: ['sent'] },
        },
      ],
    });
    await output.start();
    bus.emit('health', { output: 'telegram', problem: true, last: { result: 'sent' } });
    bus.emit('health', { output: 'undescribed', problem: true, last: { result: 'sent' } });
    await deliverAndSee(output);
    assert.deepEqual(
      live(`${prefix}/telegram/problem`).map((message) => message.payload),
      ['ON'],
    );
    assert.deepEqual(
      live(`${prefix}/telegram/last`).map((message) => message.payload),
      ['{"result":"sent"}'],
    );
    assert.deepEqual(live(`${prefix}/undescribed/problem`), []);
  });

  it("shows a zone's last alarm, keeps it in zones.json and publishes it again after a restart", async () => {
    const lastAlarm = `${prefix}/zone/3/last_alarm`;
    const first = create();
    await first.output.start();
    await deliverAndSee(first.output); // connected: what the connect announces is out
    await deliverAndSee(first.output, {
      ...event(['alarm@bridge.local']),
      zone: 3,
      sensor: 'Flur',
      type: 'intrusion',
      time: '2026-11-21T18:03:12.345Z',
    });
    await deliverAndSee(first.output, { ...event(['alarm@bridge.local']), zone: 3, sensor: 'Flur', category: 'status', type: 'door_open' });
    assert.deepEqual(
      live(lastAlarm).map((message) => [JSON.parse(message.payload) as unknown, message.retain]),
      [[{ type: 'intrusion', time: '2026-11-21T18:03:12.345Z' }, false]],
      'once, at the alarm',
    );
    const discoveryTopic = `${prefix}-ha/device/${prefix.replaceAll('-', '_')}_zone_3/config`;
    const homeAssistant = await Subscriber.connect(broker.url, [discoveryTopic]);
    const discovery = JSON.parse((await homeAssistant.next(discoveryTopic).finally(() => homeAssistant.close())).payload) as {
      components: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(discovery.components.last_alarm, {
      platform: 'sensor',
      unique_id: `${prefix.replaceAll('-', '_')}_zone_3_last_alarm`,
      name: 'Last alarm',
      device_class: 'timestamp',
      icon: 'mdi:alarm-light',
      state_topic: lastAlarm,
      value_template: '{{ value_json.time }}',
      json_attributes_topic: lastAlarm,
      default_entity_id: `sensor.${prefix.replaceAll('-', '_')}_zone_3_last_alarm`,
      object_id: `${prefix.replaceAll('-', '_')}_zone_3_last_alarm`,
    });
    await first.output.stop();

    const restarted = subscriber.messages.length;
    const second = create();
    await second.output.start();
    await deliverAndSee(second.output);
    assert.deepEqual(
      live(lastAlarm, restarted).map((message) => JSON.parse(message.payload) as unknown),
      [{ type: 'intrusion', time: '2026-11-21T18:03:12.345Z' }],
    );
  });

  it("keeps the panel's last event apart from the cameras': a camera event updates only its camera's, also after a restart", async () => {
    const lastEvent = `${prefix}/last_event`;
    const idOf = (message: Received) => (JSON.parse(message.payload) as AlarmEvent).id;
    const panelMail = event(['status@bridge.local']);
    // A camera's mail: it has its own last event, and must not make a silent panel look alive.
    const cameraMail = alarmEvent({ category: 'status', type: 'motion', source: 'dahua', sensor: 'Garage', device: 'garage', images: [] });
    const first = create();
    await first.output.start();
    await deliverAndSee(first.output, panelMail);
    await deliverAndSee(first.output, cameraMail);
    await subscriber.next(`${prefix}/camera/garage/last_event`, (message) => idOf(message) === cameraMail.id);
    const marker = event(['status@bridge.local']);
    await deliverAndSee(first.output, marker);
    await subscriber.next(lastEvent, (message) => idOf(message) === marker.id);
    assert.deepEqual(live(lastEvent).map(idOf), [panelMail.id, marker.id]);
    await first.output.stop();

    const restarted = subscriber.messages.length;
    const second = create();
    await second.output.start();
    const republished = await subscriber.next(lastEvent, (message) => subscriber.messages.indexOf(message) >= restarted);
    assert.equal(idOf(republished), marker.id);
  });

  it("publishes an output's last result again after a restart, unless the output reported a newer one first", async () => {
    const smsLast = `${prefix}/sms/last`;
    const first = create();
    await first.output.start();
    publishSmsResult({ result: 'sent' });
    await deliverAndSee(first.output);
    await first.output.stop();

    let restarted = subscriber.messages.length;
    const second = create();
    await second.output.start();
    await deliverAndSee(second.output);
    assert.deepEqual(
      live(smsLast, restarted).map((message) => message.payload),
      ['{"result":"sent"}'],
    );
    await second.output.stop();

    restarted = subscriber.messages.length;
    const third = create();
    const started = third.output.start();
    publishSmsResult({ result: 'failed' });
    await started;
    await deliverAndSee(third.output);
    assert.deepEqual(
      live(smsLast, restarted).map((message) => message.payload),
      ['{"result":"failed"}'],
    );
  });

  /** The typed commands that reach the bus. */
  function commands(): EntityCommand[] {
    const seen: EntityCommand[] = [];
    bus.on('command', (command) => seen.push(command));
    return seen;
  }
  const results = () => live(`${prefix}/command_result`).map((message) => JSON.parse(message.payload) as Record<string, unknown>);

  it("hands the panel's arm request to the bus as a typed command of panel_alarm, and shows its result", async () => {
    const { output, logs } = create();
    const seen = commands();
    bus.on('command', ({ commandId, entity, command }) =>
      bus.emit('commandResult', { commandId, entity, command, result: 'refused', reason: 'not by mail' }),
    );
    await output.start();
    await deliverAndSee(output); // connected and subscribed
    await subscriber.publish(`${prefix}/command`, 'ARM_AWAY');
    const result = await subscriber.next(`${prefix}/command_result`);
    assert.equal(result.retain, false, 'live to this subscriber; retained for the next');
    assert.deepEqual(
      seen.map(({ entity, command }) => [entity, command]),
      [['panel_alarm', 'ARM_AWAY']],
    );
    const shown = JSON.parse(result.payload) as Record<string, unknown>;
    assert.deepEqual(
      { ...shown, time: typeof shown.time },
      {
        time: 'string',
        command_id: seen[0]?.commandId,
        entity: 'panel_alarm',
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'not by mail',
      },
    );
    assert.deepEqual(
      logs.filter((line) => Number(line.level) >= 40),
      [],
    );
  });

  it('refuses what no entity takes without bothering the bus: a text that is no command, an unknown entity, a retained command', async () => {
    // A retained command would be carried out at every connect.
    await subscriber.publish(`${prefix}/command`, 'DISARM', { retain: true });
    const { output } = create();
    entities.declare('test', { id: 'acknowledge', platform: 'button', name: 'Acknowledge', device: 'bridge', commands: ['PRESS'] });
    const seen = commands();
    await output.start();
    await deliverAndSee(output);
    await subscriber.publish(`${prefix}/command`, `HACK${'x'.repeat(100)}`);
    await subscriber.publish(`${prefix}/entity/acknowledge/command`, 'TOGGLE');
    await subscriber.publish(`${prefix}/entity/nothing_here/command`, 'PRESS');
    await subscriber.collect(`${prefix}/command_result`, 3);
    assert.deepEqual(seen, []);
    assert.deepEqual(
      results().map(({ entity, command, result, reason }) => [entity, command, result, reason]),
      [
        ['panel_alarm', `HACK${'x'.repeat(36)}`, 'refused', `panel_alarm takes no command "HACK${'x'.repeat(36)}"`],
        ['acknowledge', 'TOGGLE', 'refused', 'acknowledge takes no command "TOGGLE"'],
        ['nothing_here', 'PRESS', 'refused', 'no entity nothing_here'],
      ],
    );
    await subscriber.publish(`${prefix}/command`, '', { retain: true });
  });

  it("takes the code Home Assistant sends with the panel's command and never echoes it; shows panel control's word on the state", async () => {
    const { output } = create();
    const seen = commands();
    await output.start();
    await deliverAndSee(output, alarmEvent({ alarm_state: 'disarmed' }));
    await subscriber.publish(`${prefix}/command`, '{"action": "ARM_AWAY", "code": "4711"}');
    await subscriber.publish(`${prefix}/command`, '{"action": "ARM_SOMETHING", "code": "4711"}');
    await subscriber.publish(`${prefix}/command`, '{"action": 4711, "code": "4711"');
    await subscriber.collect(`${prefix}/command_result`, 2);
    assert.deepEqual(
      seen.map(({ entity, command, payload }) => [entity, command, payload]),
      [['panel_alarm', 'ARM_AWAY', '4711']],
    );
    assert.deepEqual(
      results().map(({ command, reason }) => [command, reason]),
      [
        ['ARM_SOMETHING', 'panel_alarm takes no command "ARM_SOMETHING"'],
        ['(unreadable)', 'panel_alarm takes no command "(unreadable)"'],
      ],
    );
    assert.ok(!subscriber.messages.some((message) => message.topic === `${prefix}/command_result` && message.payload.includes('4711')));

    // Arming while panel control waits, then what the panel reported; after a failure the kept state (unknown here: None).
    for (const state of ['arming', 'armed_away', 'disarming', null] as const) bus.emit('panelCommandState', { state });
    const states = await subscriber.collect(`${prefix}/state`, 5);
    assert.deepEqual(
      states.map((message) => message.payload),
      ['disarmed', 'arming', 'armed_away', 'disarming', 'None'],
    );
  });

  it('takes commands with discovery off too', async () => {
    const { output } = create({ discovery: false });
    entities.declare('test', { id: 'acknowledge', platform: 'button', name: 'Acknowledge', device: 'bridge', commands: ['PRESS'] });
    const seen = commands();
    await output.start();
    await deliverAndSee(output);
    await subscriber.publish(`${prefix}/entity/acknowledge/command`, 'PRESS');
    await subscriber.publish(`${prefix}/command`, 'DISARM');
    // A round trip on the subscriber's connection: the bridge had the commands before this probe came back.
    await subscriber.publish(`${prefix}/probe`, 'done');
    await subscriber.next(`${prefix}/probe`);
    for (let tries = 0; tries < 100 && seen.length < 2; tries++) await delay(20);
    assert.deepEqual(
      seen.map(({ entity, command }) => [entity, command]),
      [
        ['acknowledge', 'PRESS'],
        ['panel_alarm', 'DISARM'],
      ],
    );
  });

  it('announces an entity declared after the connect with its device, and publishes its state', async () => {
    const { output } = create();
    await output.start();
    await deliverAndSee(output);
    const bridgeConfig = `${prefix}-ha/device/${prefix.replaceAll('-', '_')}/config`;
    entities.declare(
      'test',
      { id: 'panel_silent', platform: 'binary_sensor', name: 'Panel silent', device: 'bridge', device_class: 'problem' },
      { state: 'OFF' },
    );
    entities.update('test', 'panel_silent', { state: 'ON', attributes: { since: '2026-11-21T18:03:12.345Z' } });
    const homeAssistant = await Subscriber.connect(broker.url, [bridgeConfig]);
    const announced = await homeAssistant
      .next(bridgeConfig, (message) => message.payload.includes('panel_silent'))
      .finally(() => homeAssistant.close());
    assert.equal(
      (JSON.parse(announced.payload) as { components: Record<string, { state_topic?: string }> }).components.panel_silent?.state_topic,
      `${prefix}/entity/panel_silent/state`,
    );
    const state = await subscriber.next(`${prefix}/entity/panel_silent/state`, (message) => message.payload.includes('"ON"'));
    assert.deepEqual(JSON.parse(state.payload), { state: 'ON', attributes: { since: '2026-11-21T18:03:12.345Z' } });
  });

  it('subscribes to the bus only while started: nothing before start, nothing left after stop', async () => {
    const { output } = create();
    const names = ['health', 'entityDeclared', 'entityState', 'commandResult'] as const;
    assert.deepEqual(
      names.map((name) => bus.listenerCount(name)),
      [0, 0, 0, 0],
    );
    await output.start();
    assert.deepEqual(
      names.map((name) => bus.listenerCount(name)),
      [1, 1, 1, 1],
    );
    await output.stop();
    assert.deepEqual(
      names.map((name) => bus.listenerCount(name)),
      [0, 0, 0, 0],
    );
  });
});
