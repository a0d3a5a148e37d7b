// Supervision of silent sources with a clock of the test's own: a source silent for its interval turns its problem
// sensor on and raises one `source_silent`, its next mail turns it off and raises `source_back`; only the source's
// own mails count. Across restarts a bridge that was down gives every source a whole interval (no false alarm) but
// tells a panel that died meanwhile, and a told silence is not told twice. A raise the disk refuses is tried again.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Bus } from '../../src/core/bus.js';
import { EntityRegistry } from '../../src/core/entities.js';
import type { AlarmEvent, RaisedEventDraft } from '../../src/core/event.js';
import { type RunningFeatures, startFeatures } from '../../src/features/host.js';
import type { ListedCamera } from '../../src/features/module.js';
import { supervisionSection } from '../../src/features/supervision/config.js';
import { supervisionModule } from '../../src/features/supervision/module.js';
import { spanInWords } from '../../src/features/supervision/sources.js';
import { alarmEvent } from '../helpers/alarm-event.js';
import { unusedBridgeView } from '../helpers/bridge-view.js';
import { capturedLogger } from '../helpers/captured-log.js';
import { TestClock } from '../helpers/test-clock.js';

const minute = 60_000;
const hour = 60 * minute;
const start = Date.parse('2026-11-21T18:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Lets a raise and the writes after it settle: the fake raise and the store answer within a few turns. */
const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};

const panelMail = () => alarmEvent({ category: 'status', type: 'armed_away', text: 'Benutzer 1, Arm' });
const cameraMail = (device: string) => alarmEvent({ category: 'status', type: 'motion', source: 'camera', device, sensor: device });

describe('supervision', () => {
  let dataDir: string;
  let clock: TestClock;
  /** Drafts the disk took, in order. */
  let raised: RaisedEventDraft[];
  /** Attempts, whether the disk took them or not. */
  let attempts: number;
  /** While true, every raise fails as a full disk makes it fail. */
  let diskFull: boolean;
  let logs: Record<string, unknown>[];
  let running: RunningFeatures | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-supervision-'));
    clock = new TestClock();
    clock.time = start;
    raised = [];
    attempts = 0;
    diskFull = false;
    logs = [];
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts the feature as the bridge would (a restart is a stop and another run on the same data_dir). */
  async function run(panelSilentAfter: string | undefined, cameras: ListedCamera[] = [], contactIdSilentAfter?: string) {
    await running?.stop();
    const bus = new Bus((name, error) => {
      throw new Error(`bus listener of ${name} failed`, { cause: error });
    });
    const entities = new EntityRegistry(bus);
    const settings = supervisionSection.parse({ panel_silent_after: panelSilentAfter, contact_id_silent_after: contactIdSilentAfter });
    const { log } = capturedLogger(logs);
    running = await startFeatures([supervisionModule], () => settings, {
      log,
      bus,
      dataDir,
      entities,
      clock,
      bridge: { ...unusedBridgeView(), cameras },
      raise: async (draft) => {
        attempts += 1;
        await Promise.resolve();
        if (diskFull) throw new Error('ENOSPC: no space left on device');
        raised.push(draft);
        return `raised-${raised.length}`;
      },
    });
    const mail = async (event: AlarmEvent) => {
      bus.emit('event', event);
      await settle();
    };
    const state = (id = 'panel_silent') => entities.get(id)?.current;
    return { bus, entities, mail, state };
  }

  /** Moves the clock and lets what its timers started settle. */
  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    await settle();
  }

  it('is off by default: no entity, no timer, nothing raised', async () => {
    const { entities } = await run(undefined, [{ id: 'garage', name: 'Garage', silentAfterMs: undefined }]);
    assert.deepEqual(entities.all(), []);
    assert.equal(clock.pending, 0);
    await advance(30 * 24 * hour);
    assert.deepEqual(raised.slice(), []);
  });

  it('watches the Contact ID path apart from the mail path: any report keeps it alive, a 602 test included, no mail does', async () => {
    const { entities, mail, state } = await run('25h', [], '25h');
    assert.deepEqual(
      [entities.get('contact_id_silent')?.name, entities.get('contact_id_silent')?.device, state('contact_id_silent')?.attributes],
      ['Contact ID silent', 'panel', { last_report: null, silent_since: null, silent_after_s: 90_000 }],
    );
    const report = (type: string, category: AlarmEvent['category']) =>
      alarmEvent({ input: 'contact_id', source: 'contact_id', category, type, recipients: undefined });
    await advance(hour);
    const reportedAt = clock.time;
    await mail(report('periodic_test', 'test'));
    await advance(hour);
    await mail(panelMail()); // the mail path's: keeps the panel alive, not its Contact ID path
    await advance(24 * hour);
    assert.deepEqual([state('contact_id_silent')?.state, state()?.state], ['ON', 'OFF']);
    assert.deepEqual(
      raised.map(({ type, text, details }) => [type, text, details?.source]),
      [['source_silent', 'Contact ID silent: no report for 25 h', 'contact_id']],
    );
    assert.equal(state('contact_id_silent')?.attributes?.silent_since, iso(reportedAt));
    await mail(report('intrusion', 'alarm'));
    assert.equal(state('contact_id_silent')?.state, 'OFF');
    assert.deepEqual(raised.at(-1)?.text, 'Contact ID back: a report after 25 h of silence');
  });

  it("turns the panel's problem sensor on once it stayed silent for its interval, raises source_silent once, and clears it at its next mail", async () => {
    const { entities, mail, state } = await run('25h');
    assert.deepEqual(entities.get('panel_silent'), {
      id: 'panel_silent',
      platform: 'binary_sensor',
      name: 'Panel silent',
      device: 'panel',
      device_class: 'problem',
      owner: 'supervision',
      current: { state: 'OFF', attributes: { last_mail: null, silent_since: null, silent_after_s: 90_000 } },
    });
    await advance(hour);
    const mailedAt = clock.time;
    await mail(panelMail());
    assert.equal(state()?.attributes?.last_mail, iso(mailedAt));
    // None of these is the panel's mail: a camera's, a test event of the status page, an event the bridge raised.
    await advance(hour);
    await mail(cameraMail('garage'));
    await mail(alarmEvent({ input: 'test', category: 'test', type: 'test' }));
    await mail(alarmEvent({ input: 'raised', source: 'supervision', category: 'trouble', type: 'source_silent' }));

    await advance(24 * hour - 1);
    assert.equal(state()?.state, 'OFF', 'not a millisecond early');
    assert.deepEqual(raised.slice(), []);
    await advance(1);
    assert.deepEqual(state(), {
      state: 'ON',
      attributes: { last_mail: iso(mailedAt), silent_since: iso(mailedAt), silent_after_s: 90_000 },
    });
    assert.deepEqual(raised.slice(), [
      {
        source: 'supervision',
        category: 'trouble',
        type: 'source_silent',
        text: 'Panel silent: no mail for 25 h',
        sensor: null,
        details: { source: 'panel', silent_since: iso(mailedAt), silent_for_s: 90_000, silent_after_s: 90_000 },
      },
    ]);
    await advance(3 * 24 * hour);
    assert.equal(raised.length, 1, 'one event per silence, however long it lasts');

    const backAt = clock.time;
    await mail(panelMail());
    assert.deepEqual(state(), { state: 'OFF', attributes: { last_mail: iso(backAt), silent_since: null, silent_after_s: 90_000 } });
    assert.deepEqual(raised[1], {
      source: 'supervision',
      category: 'status',
      type: 'source_back',
      text: 'Panel back: a mail after 4 d 1 h of silence',
      sensor: null,
      details: { source: 'panel', silent_since: iso(mailedAt), silent_for_s: (backAt - mailedAt) / 1000, silent_after_s: 90_000 },
    });
    // The next silence is told again, counted from the mail that ended the last one.
    await advance(25 * hour);
    assert.deepEqual(
      raised.map((draft) => [draft.type, draft.details?.silent_since]),
      [
        ['source_silent', iso(mailedAt)],
        ['source_back', iso(mailedAt)],
        ['source_silent', iso(backAt)],
      ],
    );
  });

  it("watches each camera with a silent_after by its own mails only, with a sensor on the bridge's device", async () => {
    const { entities, mail, state } = await run(undefined, [
      { id: 'garage', name: 'Garage', silentAfterMs: 2 * hour },
      { id: 'hof', name: 'Hof', silentAfterMs: undefined },
    ]);
    assert.deepEqual(
      entities.all().map(({ id, name, device, device_class: deviceClass }) => [id, name, device, deviceClass]),
      [['camera_garage_silent', 'Garage silent', 'bridge', 'problem']],
    );
    await advance(hour);
    await mail(cameraMail('garage'));
    const heardAt = clock.time;
    await advance(hour);
    await mail(panelMail());
    await mail(cameraMail('hof'));
    await advance(hour);
    assert.equal(state('camera_garage_silent')?.state, 'ON');
    assert.deepEqual(raised.slice(), [
      {
        source: 'supervision',
        category: 'trouble',
        type: 'source_silent',
        text: 'Camera Garage silent: no mail for 2 h',
        sensor: 'Garage',
        details: { source: 'camera', camera: 'garage', silent_since: iso(heardAt), silent_for_s: 7200, silent_after_s: 7200 },
      },
    ]);
    await mail(cameraMail('garage'));
    assert.equal(state('camera_garage_silent')?.state, 'OFF');
    assert.deepEqual(
      raised.map((draft) => [draft.type, draft.text]),
      [
        ['source_silent', 'Camera Garage silent: no mail for 2 h'],
        ['source_back', 'Camera Garage back: a mail after 2 h of silence'],
      ],
    );
  });

  it('after a restart gives the panel a whole interval: a bridge down longer than that raises no false alarm while the panel mails', async () => {
    const first = await run('1h');
    await first.mail(panelMail());
    const mailedAt = clock.time;
    await advance(30 * minute);
    await running?.stop();
    running = undefined;

    // Down for five intervals; the panel's mails of that time were lost (nobody listened), it is alive all the same.
    clock.time += 5 * hour;
    const second = await run('1h');
    assert.deepEqual(second.state(), {
      state: 'OFF',
      attributes: { last_mail: iso(mailedAt), silent_since: null, silent_after_s: 3600 },
    });
    await advance(hour - 1);
    assert.equal(second.state()?.state, 'OFF');
    await second.mail(panelMail());
    await advance(hour - 1);
    assert.equal(second.state()?.state, 'OFF');
    assert.deepEqual(raised.slice(), []);
  });

  it('tells a panel that died while the bridge was down one interval after the start, and only once', async () => {
    const first = await run('1h');
    await first.mail(panelMail());
    const mailedAt = clock.time;
    await running?.stop();
    running = undefined;

    clock.time += 5 * hour;
    const startedAt = clock.time;
    const second = await run('1h');
    await advance(hour);
    assert.equal(second.state()?.state, 'ON');
    assert.deepEqual(
      raised.map((draft) => [draft.type, draft.text, draft.details?.silent_since, draft.details?.silent_for_s]),
      [['source_silent', 'Panel silent: no mail for 6 h', iso(mailedAt), (startedAt + hour - mailedAt) / 1000]],
    );
    await advance(10 * hour);
    assert.equal(raised.length, 1);
  });

  it('tells a panel that died even when the bridge restarts every day: only the first restart gives a whole interval', async () => {
    const first = await run('25h');
    await first.mail(panelMail());
    const mailedAt = clock.time;
    await advance(20 * hour);
    // An update every day, a minute down: the panel never mails again.
    for (let day = 0; day < 3 && raised.length === 0; day++) {
      await running?.stop();
      running = undefined;
      clock.time += minute;
      await run('25h');
      await advance(23 * hour);
    }
    assert.deepEqual(
      raised.map((draft) => draft.type),
      ['source_silent'],
    );
    // Told a whole interval after the first restart plus the minutes the bridge was down after it, not never.
    const silentFor = Number(raised[0]?.details?.silent_for_s) * 1000;
    assert.ok(silentFor <= 20 * hour + minute + 25 * hour + minute, `told after ${silentFor / hour} h`);
    assert.ok(mailedAt > 0);
  });

  it('keeps a silence told before a restart: the sensor stays on without a second event, and the next mail raises source_back', async () => {
    await run('1h');
    await advance(hour);
    assert.equal(raised.length, 1);
    await running?.stop();
    running = undefined;

    clock.time += 3 * hour;
    const second = await run('1h');
    assert.equal(second.state()?.state, 'ON');
    await advance(10 * hour);
    assert.equal(raised.length, 1, 'no second SMS after the restart');
    await second.mail(panelMail());
    assert.equal(second.state()?.state, 'OFF');
    assert.deepEqual(
      raised.map((draft) => [draft.type, draft.details?.silent_since]),
      [
        ['source_silent', iso(start)],
        ['source_back', iso(start)],
      ],
    );
  });

  it('tries a raise the disk refused again later, without crashing, and raises it once when the disk takes it', async () => {
    const { state } = await run('1h');
    diskFull = true;
    await advance(hour);
    assert.equal(state()?.state, 'ON', 'the sensor shows the silence whether or not the event could be stored');
    assert.deepEqual([attempts, raised.length], [1, 0]);
    await advance(minute);
    assert.deepEqual([attempts, raised.length], [2, 0]);
    await advance(2 * minute - 1);
    assert.equal(attempts, 2, 'the wait doubles');
    diskFull = false;
    await advance(1);
    assert.deepEqual([attempts, raised.length], [3, 1]);
    await advance(10 * hour);
    assert.deepEqual([attempts, raised.length], [3, 1]);
    const warnings = logs.filter((line) => line.msg === 'cannot raise a supervision event: tried again later');
    assert.deepEqual(
      warnings.map((line) => line.level),
      [40, 20],
      'warned once, then debug',
    );
  });

  it('keeps a raise that failed across a restart and raises it then; a silence that never became durable and ended is told neither way', async () => {
    await run('1h');
    diskFull = true;
    await advance(hour);
    await running?.stop();
    running = undefined;
    diskFull = false;
    const second = await run('1h');
    assert.deepEqual(
      raised.map((draft) => draft.type),
      ['source_silent'],
      'raised at the start',
    );
    await second.mail(panelMail());
    assert.deepEqual(
      raised.map((draft) => draft.type),
      ['source_silent', 'source_back'],
    );

    diskFull = true;
    await advance(hour);
    assert.equal(second.state()?.state, 'ON');
    await second.mail(panelMail());
    assert.equal(second.state()?.state, 'OFF');
    diskFull = false;
    await advance(hour - 1);
    assert.deepEqual(
      raised.map((draft) => draft.type),
      ['source_silent', 'source_back'],
      'neither the untold silence nor its end',
    );
  });

  it('writes what it knows to its store, and starts afresh from one it cannot read', async () => {
    const first = await run('1h');
    await first.mail(panelMail());
    await running?.stop();
    running = undefined;
    const saved = JSON.parse(await readFile(join(dataDir, 'features', 'supervision', 'state.json'), 'utf8')) as unknown;
    assert.deepEqual(saved, { sources: { panel: { heard: start, mailed: true, silent: false } }, pending: [], upUntil: start });

    for (const unreadable of ['{"sources": 5}', '{ cut off']) {
      await writeFile(join(dataDir, 'features', 'supervision', 'state.json'), unreadable);
      const again = await run('1h');
      assert.deepEqual(again.state(), { state: 'OFF', attributes: { last_mail: null, silent_since: null, silent_after_s: 3600 } });
      assert.match(String(logs.at(-1)?.msg), /every source is watched afresh/);
    }
  });

  it('says a span in whole units', () => {
    assert.deepEqual([59_999, 90 * minute, 119 * minute, 2 * hour, 47 * hour + 59 * minute, 48 * hour, 51 * hour].map(spanInWords), [
      '0 min',
      '90 min',
      '119 min',
      '2 h',
      '47 h',
      '2 d',
      '2 d 3 h',
    ]);
  });
});
