// The feature host: a feature gets its context, and everything it subscribed, scheduled or opened through it is
// released at its stop, even when its own stop forgets; a clock of the test's own, so nothing waits in real time.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Bus } from '../../src/core/bus.js';
import { EntityRegistry } from '../../src/core/entities.js';
import type { RaisedEventDraft } from '../../src/core/event.js';
import { FeatureStopped, startFeatures } from '../../src/features/host.js';
import { type FeatureContext, featureModule } from '../../src/features/module.js';
import { unusedBridgeView } from '../helpers/bridge-view.js';
import { capturedLogger } from '../helpers/captured-log.js';
import { TestClock } from '../helpers/test-clock.js';

describe('features', () => {
  let dataDir: string;
  let bus: Bus;
  let entities: EntityRegistry;
  let clock: TestClock;
  let raised: RaisedEventDraft[];
  const { log, logs } = capturedLogger();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-features-'));
    bus = new Bus((name, error) => {
      throw new Error(`bus listener of ${name} failed`, { cause: error });
    });
    entities = new EntityRegistry(bus);
    clock = new TestClock();
    raised = [];
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const start = (...modules: Parameters<typeof startFeatures>[0]) =>
    startFeatures(modules, () => undefined, {
      log,
      bus,
      dataDir,
      entities,
      clock,
      bridge: unusedBridgeView(),
      raise: async (draft) => {
        raised.push(draft);
        return `raised-${raised.length}`;
      },
    });

  /** A feature that uses every part of its context and whose stop forgets all of it. */
  function forgetful(seen: string[]) {
    let context: FeatureContext | undefined;
    const module = featureModule({
      name: 'forgetful',
      create: (_settings, given) => {
        context = given;
        return {
          start() {
            given.bus.on('panelState', ({ state }) => seen.push(`state ${state}`));
            given.timers.setTimeout(() => seen.push(`timeout at ${given.now()}`), 1000);
            given.timers.setInterval(() => seen.push(`tick at ${given.now()}`), 400);
            given.entities.declare(
              { id: 'panel_silent', platform: 'binary_sensor', name: 'Panel silent', device: 'panel', device_class: 'problem' },
              { state: 'OFF' },
            );
          },
          stop() {},
        };
      },
    });
    return { module, context: () => context as FeatureContext };
  }

  it('releases every subscription and timer at stop although the feature forgot them', async () => {
    const seen: string[] = [];
    const { module, context } = forgetful(seen);
    const running = await start(module);
    bus.emit('panelState', { state: 'armed_away', since: '' });
    clock.advance(1000);
    assert.deepEqual(seen, ['state armed_away', 'tick at 400', 'tick at 800', 'timeout at 1000']);
    assert.equal(clock.pending, 1, 'the timeout that ran is gone; the interval runs on');

    await running.stop();
    assert.equal(bus.listenerCount('panelState'), 0);
    assert.equal(clock.pending, 0);
    bus.emit('panelState', { state: 'disarmed', since: '' });
    clock.advance(5000);
    assert.equal(seen.length, 4, 'nothing runs after the stop');
    await assert.rejects(context().raise({ category: 'trouble', type: 'source_silent', text: 'late' }), FeatureStopped);
    context().entities.update('panel_silent', { state: 'ON' });
    assert.deepEqual(entities.get('panel_silent')?.current, { state: 'OFF' }, 'a late update after the stop is dropped');
  });

  it('lets a feature clear its own timer, raise events under its own name and keep a durable store', async () => {
    const seen: string[] = [];
    const module = featureModule({
      name: 'watcher',
      create: (_settings, { timers, raise, store }) => ({
        async start() {
          const handle = timers.setTimeout(() => seen.push('never'), 10);
          timers.clear(handle);
          seen.push(await raise({ category: 'trouble', type: 'source_silent', text: 'Panel silent for 25 h' }));
          await store<{ lastSeen: number }>('last-seen').write({ lastSeen: 42 });
          assert.throws(() => store('../escape'), /must be/);
        },
        stop() {},
      }),
    });
    const running = await start(module);
    clock.advance(100);
    await running.stop();
    assert.deepEqual(seen, ['raised-1']);
    assert.deepEqual(raised, [{ category: 'trouble', type: 'source_silent', text: 'Panel silent for 25 h', source: 'watcher' }]);
    assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'features', 'watcher', 'last-seen.json'), 'utf8')), { lastSeen: 42 });
  });

  it('stops the features already started when a later one fails to start, and throws its error', async () => {
    const seen: string[] = [];
    const { module } = forgetful(seen);
    const broken = featureModule({
      name: 'broken',
      create: () => ({
        start() {
          throw new Error('cannot start');
        },
        stop() {},
      }),
    });
    await assert.rejects(start(module, broken), /cannot start/);
    assert.equal(bus.listenerCount('panelState'), 0);
    assert.equal(clock.pending, 0);
  });

  it('logs a timer callback that throws or rejects instead of ending the process, and keeps ticking', async () => {
    let ticks = 0;
    const module = featureModule({
      name: 'failing_timers',
      create: (_settings, context) => ({
        start() {
          context.timers.setInterval(() => {
            ticks++;
            throw new Error('tick failed');
          }, 100);
          context.timers.setTimeout(async () => {
            await Promise.resolve();
            throw new Error('late work failed');
          }, 150);
        },
        stop() {},
      }),
    });
    const running = await start(module);
    const before = logs.length;
    clock.advance(300);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ticks, 3, 'the interval went on after its callback threw');
    const failures = logs.slice(before).filter((line) => line.msg === 'a feature timer failed');
    assert.equal(failures.length, 4);
    await running.stop();
  });

  it('hands out one store per name, so writes to one file never interleave', async () => {
    let stores: unknown[] = [];
    const module = featureModule({
      name: 'storing',
      create: (_settings, context) => {
        stores = [context.store('last_seen'), context.store('last_seen'), context.store('other')];
        return { start() {}, stop() {} };
      },
    });
    const running = await start(module);
    assert.equal(stores[0], stores[1]);
    assert.notEqual(stores[0], stores[2]);
    await running.stop();
  });

  it("refuses an entity id that is not snake_case, taken, or the panel's own", async () => {
    const declare = (id: string) => entities.declare('test', { id, platform: 'sensor', name: null, device: 'bridge' });
    declare('incident');
    for (const id of ['Incident', 'incident', 'panel_alarm', 'a/b', '']) assert.throws(() => declare(id), { name: 'EntityInvalid' }, id);
    assert.throws(
      () => entities.declare('test', { id: 'ack', platform: 'button', name: 'Ack', device: 'bridge' }),
      { name: 'EntityInvalid' },
      'a button takes one command',
    );
    assert.throws(() => entities.update('other', 'incident', { state: 'x' }), { name: 'EntityInvalid' }, 'only its owner updates it');
  });
});
