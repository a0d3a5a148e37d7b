// Alarm incidents with the features' host, a real bus, entity registry and store, and a clock of the test's own:
// an alarm mail opens an incident, further alarms join it; each way of acknowledging ends it and cancels what has
// not fired; escalation levels fire in order, each once, also across a restart; a level that could not be raised
// is tried again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Bus, type BusEvents, type CommandResult, type IncidentFacts } from '../../src/core/bus.js';
import { EntityRegistry } from '../../src/core/entities.js';
import type { AlarmEvent, RaisedEventDraft } from '../../src/core/event.js';
import { type RunningFeatures, startFeatures, systemClock } from '../../src/features/host.js';
import { incidentsSection } from '../../src/features/incidents/config.js';
import { acknowledgeEntity, incidentEntity } from '../../src/features/incidents/entities.js';
import { escalationType, raiseRetryMs } from '../../src/features/incidents/feature.js';
import { incidentsModule } from '../../src/features/incidents/module.js';
import { alarmEvent } from '../helpers/alarm-event.js';
import { unusedBridgeView } from '../helpers/bridge-view.js';
import { capturedLogger } from '../helpers/captured-log.js';
import { TestClock } from '../helpers/test-clock.js';

const minute = 60_000;
/** 2026-12-03 03:12 UTC. */
const start = Date.parse('2026-12-03T03:12:00.000Z');

const levels = {
  ack_words: ['Quittiert'],
  escalation: [
    { after: '5m', sms: ['0170 1111111'], telegram: ['123456789'] },
    { after: '10m', sms: ['+49 170 2222222'], call: ['0170 2222222'] },
  ],
};

/** Lets the raise, its answer and what follows it run. */
const settle = async () => {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
};

describe('incidents', () => {
  let dataDir: string;
  let bus: Bus;
  let entities: EntityRegistry;
  let clock: TestClock;
  let raised: (RaisedEventDraft & { id: string })[];
  /** Set to make the next raises reject, as a full disk would. */
  let raiseFails: number;
  let facts: IncidentFacts[];
  let withdrawn: BusEvents['withdraw'][];
  let results: CommandResult[];
  let running: RunningFeatures | undefined;
  const { log, logs } = capturedLogger();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-incidents-'));
    bus = new Bus((name, error) => {
      throw new Error(`bus listener of ${name} failed`, { cause: error });
    });
    clock = new TestClock(start);
    raised = [];
    raiseFails = 0;
    facts = [];
    withdrawn = [];
    results = [];
    bus.on('incident', (incident) => facts.push(incident));
    bus.on('withdraw', (withdraw) => withdrawn.push(withdraw));
    bus.on('commandResult', (result) => results.push(result));
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts the feature (again: a restart keeps the data_dir) with these settings. */
  async function startIncidents(section: Record<string, unknown> = levels): Promise<void> {
    entities = new EntityRegistry(bus);
    running = await startFeatures([incidentsModule], () => incidentsSection.parse(section), {
      log,
      bus,
      dataDir,
      entities,
      clock,
      bridge: { ...unusedBridgeView(), mask: (text) => text.replace(/\d{7,}/g, '***') },
      raise: async (draft) => {
        if (raiseFails > 0) {
          raiseFails -= 1;
          throw new Error('ENOSPC: no space left on device');
        }
        const id = `raised-${raised.length + 1}`;
        raised.push({ ...draft, id });
        return id;
      },
    });
  }

  async function restart(section: Record<string, unknown> = levels): Promise<void> {
    await running?.stop();
    running = undefined;
    await startIncidents(section);
  }

  const alarm = (overrides: Partial<AlarmEvent> = {}) =>
    alarmEvent({ time: new Date(clock.now()).toISOString(), zone: 4, sensor: 'Keller', text: 'Einbruch', ...overrides });

  const sensor = () => entities.get(incidentEntity)?.current;
  const press = (commandId: string, origin?: 'mqtt' | 'status_page') =>
    bus.emit('command', { commandId, entity: acknowledgeEntity, command: 'PRESS', ...(origin ? { origin } : {}) });

  it('shows no incident at first, on the panel device: a sensor of three states and a button', async () => {
    await startIncidents();
    assert.deepEqual(sensor(), { state: 'none', attributes: {} });
    const declared = entities.get(incidentEntity);
    assert.deepEqual([declared?.platform, declared?.device, declared?.options], ['sensor', 'panel', ['none', 'open', 'acknowledged']]);
    const button = entities.get(acknowledgeEntity);
    assert.deepEqual(
      [button?.platform, button?.device, button?.name, button?.commands],
      ['button', 'panel', 'Acknowledge alarm', ['PRESS']],
    );
    press('c1');
    assert.deepEqual(results, [
      { commandId: 'c1', entity: acknowledgeEntity, command: 'PRESS', result: 'refused', reason: 'no open incident' },
    ]);
  });

  it('opens an incident at an alarm mail; further alarms join it; other events, raised and test alarms and a replay do not', async () => {
    await startIncidents();
    bus.emit('event', alarm({ category: 'status', type: 'door_open' }));
    bus.emit('event', alarm({ input: 'raised', source: 'supervision' }));
    bus.emit('event', alarm({ input: 'test', category: 'test' }));
    assert.equal(facts.length, 0);
    const first = alarm({ text: 'Zone:4 Keller, Einbruch 0170 1234567' });
    bus.emit('event', first);
    clock.advance(minute);
    const second = alarm({ zone: 2, sensor: 'Flur', text: 'Sabotage', type: 'tamper' });
    bus.emit('event', second);
    bus.emit('event', second); // processed again after a crash: the same id
    assert.deepEqual(
      facts.map(({ id, state, eventIds, level }) => ({ id, state, eventIds, level })),
      [
        { id: first.id, state: 'open', eventIds: [first.id], level: 0 },
        { id: first.id, state: 'open', eventIds: [first.id, second.id], level: 0 },
      ],
    );
    assert.equal(facts[0]?.openedAt, '2026-12-03T03:12:00.000Z');
    assert.deepEqual(sensor(), {
      state: 'open',
      attributes: {
        incident: first.id,
        opened_at: '2026-12-03T03:12:00.000Z',
        alarms: 2,
        last_alarm: 'Zone 2 Flur: Sabotage',
        texts: '2026-12-03T03:13:00.000Z Zone 2 Flur: Sabotage | 2026-12-03T03:12:00.000Z Zone:4 Keller, Einbruch 0170 ***',
        events: `${first.id}, ${second.id}`,
        level: 0,
        acknowledged_how: null,
        acknowledged_by: null,
        acknowledged_at: null,
      },
    });
  });

  it('raises each level once when its delay has passed, in order, to its recipients, with a summary', async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    clock.advance(5 * minute - 1);
    await settle();
    assert.equal(raised.length, 0, 'not before its delay');
    clock.advance(1);
    await settle();
    assert.equal(raised.length, 1);
    assert.deepEqual(raised[0], {
      id: 'raised-1',
      source: 'incidents',
      category: 'alarm',
      type: escalationType,
      text: 'Alarm nicht quittiert, Stufe 1: Zone 4 Keller: Einbruch 03:12.',
      alarm_state: null,
      details: { incident: first.id, level: 1, language: 'de' },
      to: { sms: ['+491701111111'], telegram: ['123456789'] },
    });
    const later = alarm({ zone: 2, sensor: null, text: 'Zone:2 Feueralarm', type: 'fire' });
    bus.emit('event', later);
    clock.advance(5 * minute);
    await settle();
    assert.deepEqual(
      raised.map(({ details, to }) => [details?.level, to]),
      [
        [1, { sms: ['+491701111111'], telegram: ['123456789'] }],
        [2, { sms: ['+491702222222'], call: ['+491702222222'] }],
      ],
    );
    assert.equal(raised[1]?.text, 'Alarm nicht quittiert, Stufe 2: Zone 4 Keller: Einbruch 03:12. 2 Alarme, der letzte 03:17.');
    clock.advance(600 * minute);
    await settle();
    assert.equal(raised.length, 2, 'each level once');
    assert.equal(clock.pending, 1, 'nothing left to wait for but its end, 12 h after its last level');
    assert.deepEqual(
      facts.map(({ level, eventIds }) => [level, eventIds]),
      [
        [0, [first.id]],
        [1, [first.id, 'raised-1']],
        [1, [first.id, 'raised-1', later.id]],
        [2, [first.id, 'raised-1', later.id, 'raised-2']],
      ],
    );
    assert.equal(sensor()?.attributes?.level, 2);
  });

  it('counts the delays from the alarm mail’s arrival: one read only after a restart may be due at once', async () => {
    await startIncidents();
    bus.emit('event', alarm({ time: new Date(clock.now() - 7 * minute).toISOString() }));
    await settle();
    assert.deepEqual(
      raised.map(({ details }) => details?.level),
      [1],
    );
    assert.equal(facts[0]?.openedAt, '2026-12-03T03:05:00.000Z');
    clock.advance(3 * minute - 1);
    await settle();
    assert.equal(raised.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(raised.length, 2);
  });

  it('writes the summary in English when asked', async () => {
    await startIncidents({ ...levels, language: 'en' });
    bus.emit('event', alarm({ zone: null, sensor: null, text: 'Panic button' }));
    clock.advance(5 * minute);
    await settle();
    assert.equal(raised[0]?.text, 'Alarm not acknowledged, level 1: Panic button 03:12.');
    assert.equal(raised[0]?.details?.language, 'en');
  });

  it("is acknowledged with the button: done, pending levels cancelled, the raised level's messages withdrawn", async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    clock.advance(6 * minute);
    await settle();
    press('c1', 'mqtt');
    press('c2');
    assert.deepEqual(
      results.map(({ commandId, result, reason }) => [commandId, result, reason]),
      [
        ['c1', 'done', undefined],
        ['c2', 'refused', 'no open incident'],
      ],
    );
    assert.deepEqual(withdrawn, [{ eventIds: ['raised-1'], reason: 'alarm acknowledged (button, Home Assistant)' }]);
    assert.equal(clock.pending, 0, "level 2's timer is cleared");
    clock.advance(60 * minute);
    await settle();
    assert.equal(raised.length, 1, 'level 2 never fires');
    assert.deepEqual(facts.at(-1), {
      id: first.id,
      state: 'acknowledged',
      openedAt: '2026-12-03T03:12:00.000Z',
      eventIds: [first.id, 'raised-1'],
      level: 1,
      acknowledged: { how: 'button', by: 'Home Assistant', at: '2026-12-03T03:18:00.000Z' },
    });
    assert.deepEqual(
      [sensor()?.state, sensor()?.attributes?.acknowledged_how, sensor()?.attributes?.acknowledged_at],
      ['acknowledged', 'button', '2026-12-03T03:18:00.000Z'],
    );
  });

  it('is acknowledged on the status page, before any level: nothing to withdraw', async () => {
    await startIncidents();
    bus.emit('event', alarm());
    press('c1', 'status_page');
    assert.deepEqual(results.at(-1)?.result, 'done');
    assert.deepEqual(facts.at(-1)?.acknowledged?.how, 'status_page');
    assert.equal(withdrawn.length, 0);
    clock.advance(60 * minute);
    await settle();
    assert.equal(raised.length, 0);
  });

  it('is acknowledged by a disarm mail, naming the user; not by a disarm older than its alarm (a replay)', async () => {
    await startIncidents();
    const earlierDisarm = alarm({ category: 'status', type: 'disarmed', alarm_state: 'disarmed', user: 'Benutzer 1' });
    clock.advance(minute);
    bus.emit('event', alarm());
    bus.emit('event', earlierDisarm);
    assert.equal(facts.at(-1)?.state, 'open');
    clock.advance(minute);
    bus.emit(
      'event',
      alarm({ category: 'status', type: 'disarmed', alarm_state: 'disarmed', user: 'Benutzer 1', text: 'Benutzer 1, Disarm' }),
    );
    assert.deepEqual(facts.at(-1)?.acknowledged, { how: 'disarm', by: 'panel, Benutzer 1', at: '2026-12-03T03:14:00.000Z' });
  });

  it('is acknowledged by a disarm from Home Assistant once panel control answers it done; not by a refused one or an arm', async () => {
    await startIncidents();
    bus.emit('event', alarm());
    const result = (command: string, outcome: 'done' | 'refused') =>
      bus.emit('commandResult', { commandId: `c-${command}-${outcome}`, entity: 'panel_alarm', command, result: outcome });
    result('DISARM', 'refused');
    result('ARM_AWAY', 'done');
    assert.equal(facts.at(-1)?.state, 'open');
    clock.advance(minute);
    result('DISARM', 'done');
    assert.deepEqual(facts.at(-1)?.acknowledged, { how: 'disarm', by: 'Home Assistant', at: '2026-12-03T03:13:00.000Z' });
  });

  it('is acknowledged by a reply OK or an ack word to one of its messages, not by other words or replies to other messages', async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    clock.advance(5 * minute);
    await settle();
    const reply = (text: string, eventIds: string[]) =>
      bus.emit('reply', { output: 'sms', from: '*********1111', text, time: new Date(clock.now()).toISOString(), eventIds });
    reply('OK', ['some-other-event']);
    reply('not now', ['raised-1']);
    reply('okay', [first.id]);
    assert.equal(facts.at(-1)?.state, 'open');
    reply('  QUITTIERT \n', ['raised-1']);
    assert.deepEqual(facts.at(-1)?.acknowledged?.by, 'sms *********1111');
    assert.deepEqual(withdrawn, [{ eventIds: ['raised-1'], reason: 'alarm acknowledged (reply, sms *********1111)' }]);
  });

  it('takes OK whatever ack_words says, and a reply to the alarm mail itself', async () => {
    await startIncidents({ ack_words: [] });
    const first = alarm();
    bus.emit('event', first);
    bus.emit('reply', { output: 'sms', from: '*********1111', text: 'ok', time: '', eventIds: [first.id] });
    assert.equal(facts.at(-1)?.state, 'acknowledged');
  });

  it('opens a new incident at the next alarm after an acknowledgement, but not for a replayed alarm of an earlier one', async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    press('c1');
    const second = alarm();
    bus.emit('event', second);
    press('c2');
    bus.emit('event', alarm());
    const opened = facts.filter(({ state, eventIds }) => state === 'open' && eventIds.length === 1).map(({ id }) => id);
    assert.equal(opened.length, 3);
    bus.emit('event', first); // both earlier incidents' alarms, processed again after a crash
    bus.emit('event', second);
    assert.equal(facts.filter(({ state }) => state === 'open').length, 3, 'no new incident');
  });

  it('keeps alarms that joined within the last second, written together, also when it stops before the second is over', async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    const second = alarm({ zone: 2 });
    bus.emit('event', second);
    const third = alarm({ zone: 3 });
    bus.emit('event', third);
    const keptIds = async () =>
      (
        JSON.parse(await readFile(join(dataDir, 'features', 'incidents', 'incident.json'), 'utf8')) as {
          incident: { alarms: { id: string }[] };
        }
      ).incident.alarms.map(({ id }) => id);
    clock.advance(1_000);
    // Written for real (and synced): waited for, briefly.
    for (let wait = 0; wait < 200; wait++) {
      if ((await keptIds().catch(() => [])).length === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(await keptIds(), [first.id, second.id, third.id]);
    const fourth = alarm({ zone: 5 });
    bus.emit('event', fourth);
    await restart(); // within the second: the stop keeps it
    assert.deepEqual(await keptIds(), [first.id, second.id, third.id, fourth.id]);
    bus.emit('event', fourth); // read again after the restart: already in it
    assert.equal(sensor()?.attributes?.alarms, 4);
  });

  it('ends an incident nobody acknowledges 12 h after its last alarm or level; a later alarm opens a new one with its own levels', async () => {
    await startIncidents();
    const first = alarm();
    bus.emit('event', first);
    clock.advance(10 * minute);
    await settle();
    assert.equal(raised.length, 2, 'both levels told');
    clock.advance(12 * 60 * minute - 10 * minute - 1);
    await settle();
    assert.equal(sensor()?.state, 'open', 'not before its time');
    clock.advance(10 * minute + 1);
    await settle();
    assert.deepEqual([sensor()?.state, facts.at(-1)?.state], ['none', 'closed']);
    // Weeks later: a new incident, told again from its first level.
    clock.advance(30 * 24 * 60 * minute);
    const later = alarm({ zone: 7 });
    bus.emit('event', later);
    await settle();
    assert.deepEqual([sensor()?.state, sensor()?.attributes?.incident], ['open', later.id]);
    clock.advance(5 * minute);
    await settle();
    assert.deepEqual(
      raised.map(({ details }) => [details?.incident, details?.level]),
      [
        [first.id, 1],
        [first.id, 2],
        [later.id, 1],
      ],
    );
  });

  it('at a start long after its last alarm, ends the open incident without telling its levels', async () => {
    await startIncidents({ escalation: [{ after: '5m', sms: ['0170 1111111'] }] });
    bus.emit('event', alarm());
    await running?.stop();
    running = undefined;
    clock.advance(30 * 24 * 60 * minute);
    await startIncidents(levels); // a level added meanwhile
    await settle();
    assert.deepEqual(raised, [], 'no level for an alarm of a month ago');
    assert.equal(sensor()?.state, 'none');
  });

  it('opens and joins at a Contact ID alarm and is acknowledged by its disarm; a duplicate after it never opens another', async () => {
    await startIncidents();
    const report = alarm({ input: 'contact_id', source: 'contact_id', text: 'Burglary zone 4 (E130 P01 Z004)' });
    bus.emit('event', report);
    const mail = alarm({ duplicate_of: report.id });
    bus.emit('event', mail);
    assert.deepEqual(facts.at(-1)?.eventIds, [report.id, mail.id]);
    clock.advance(minute);
    bus.emit('event', alarm({ input: 'contact_id', category: 'status', type: 'disarmed', alarm_state: 'disarmed', user: 'User 2' }));
    assert.deepEqual(facts.at(-1)?.acknowledged, { how: 'disarm', by: 'panel, User 2', at: '2026-12-03T03:13:00.000Z' });
    bus.emit('event', alarm({ input: 'contact_id', duplicate_of: 'an-alarm-mail-acknowledged-before' }));
    assert.equal(facts.filter(({ state }) => state === 'open').length, 2, 'opened, joined; the duplicate opens none');
  });

  it('keeps its timers across a restart: a level due while stopped fires once at start, the next one at its time', async () => {
    await startIncidents({ ...levels, escalation: [...levels.escalation, { after: '30m', sms: ['0170 3333333'] }] });
    const first = alarm();
    bus.emit('event', first);
    clock.advance(minute);
    await restart({ ...levels, escalation: [...levels.escalation, { after: '30m', sms: ['0170 3333333'] }] });
    assert.equal(facts.at(-1)?.state, 'open', 'told again at start');
    assert.deepEqual(sensor()?.state, 'open', 'shown again at start');
    await running?.stop();
    running = undefined;
    clock.advance(20 * minute); // down while levels 1 and 2 fell due: each fires once, in order
    await startIncidents({ ...levels, escalation: [...levels.escalation, { after: '30m', sms: ['0170 3333333'] }] });
    await settle();
    assert.deepEqual(
      raised.map(({ details }) => details?.level),
      [1, 2],
    );
    await restart({ ...levels, escalation: [...levels.escalation, { after: '30m', sms: ['0170 3333333'] }] });
    await settle();
    assert.equal(raised.length, 2, 'raised ones are kept: not again after another restart');
    clock.advance(9 * minute - 1);
    await settle();
    assert.equal(raised.length, 2);
    clock.advance(1);
    await settle();
    assert.deepEqual(
      raised.map(({ details }) => details?.level),
      [1, 2, 3],
    );
    await restart(); // the stop waits for its writes
    const kept = JSON.parse(await readFile(join(dataDir, 'features', 'incidents', 'incident.json'), 'utf8')) as {
      incident: { escalations: { level: number; eventId: string }[] };
    };
    assert.deepEqual(
      kept.incident.escalations.map(({ level, eventId }) => [level, eventId]),
      [
        [1, 'raised-1'],
        [2, 'raised-2'],
        [3, 'raised-3'],
      ],
    );
  });

  it('withdraws again at start what an incident acknowledged before the restart raised', async () => {
    await startIncidents();
    bus.emit('event', alarm());
    clock.advance(5 * minute);
    await settle();
    press('c1');
    withdrawn.length = 0;
    await restart();
    assert.deepEqual(withdrawn, [{ eventIds: ['raised-1'], reason: 'alarm acknowledged (button, Home Assistant)' }]);
    assert.equal(sensor()?.state, 'acknowledged');
  });

  it('tries a level that could not be raised again, until it is raised once; the next level waits for it', async () => {
    await startIncidents();
    bus.emit('event', alarm());
    raiseFails = 2;
    clock.advance(10 * minute); // both levels due, the disk full
    await settle();
    assert.equal(raised.length, 0);
    assert.ok(
      logs.some((line) => line.msg === 'cannot raise the escalation level' && line.level === 50),
      'an error logged',
    );
    clock.advance(raiseRetryMs);
    await settle();
    assert.equal(raised.length, 0, 'the disk is still full');
    clock.advance(raiseRetryMs);
    await settle();
    assert.deepEqual(
      raised.map(({ details }) => details?.level),
      [1, 2],
    );
    clock.advance(60 * minute);
    await settle();
    assert.equal(raised.length, 2);
  });

  it('withdraws a level that was being raised when the incident was acknowledged', async () => {
    let release: (() => void) | undefined;
    entities = new EntityRegistry(bus);
    running = await startFeatures([incidentsModule], () => incidentsSection.parse(levels), {
      log,
      bus,
      dataDir,
      entities,
      clock,
      bridge: unusedBridgeView(),
      raise: async (draft) => {
        await new Promise<void>((resolve) => (release = resolve));
        raised.push({ ...draft, id: 'slow-1' });
        return 'slow-1';
      },
    });
    bus.emit('event', alarm());
    clock.advance(5 * minute);
    await settle();
    press('c1');
    assert.equal(withdrawn.length, 0);
    release?.();
    await settle();
    assert.deepEqual(withdrawn, [{ eventIds: ['slow-1'], reason: 'alarm acknowledged (button, Home Assistant)' }]);
    assert.deepEqual(facts.at(-1)?.eventIds.at(-1), 'slow-1');
  });

  it('waits for a level days away without a timer longer than Node can keep (which would fire at once, again and again)', async () => {
    let timersSet = 0;
    entities = new EntityRegistry(bus);
    running = await startFeatures(
      [incidentsModule],
      () => incidentsSection.parse({ escalation: [{ after: '30d', sms: ['0170 1111111'] }], close_after: '31d' }),
      {
        log,
        bus,
        dataDir,
        entities,
        // Real timers: Node turns a delay past 2^31 - 1 ms (24.8 days) into 1 ms.
        clock: {
          ...systemClock,
          setTimeout: (callback, ms) => {
            timersSet += 1;
            return systemClock.setTimeout(callback, ms);
          },
        },
        bridge: unusedBridgeView(),
        raise: async (draft) => {
          raised.push({ ...draft, id: 'too-early' });
          return 'too-early';
        },
      },
    );
    bus.emit('event', alarm());
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(raised.length, 0, 'not raised before its 30 days');
    assert.equal(timersSet, 1, 'one timer, not a loop of them');
  });

  it('starts without an incident from a kept file it cannot read, and says so', async () => {
    await mkdir(join(dataDir, 'features', 'incidents'), { recursive: true });
    await writeFile(join(dataDir, 'features', 'incidents', 'incident.json'), '{"incident": {"id": 3}}');
    await startIncidents();
    assert.deepEqual(sensor()?.state, 'none');
    assert.ok(
      logs.some((line) => line.msg === 'the kept alarm incident is not readable: starting without one'),
      'said',
    );
  });
});
