// Runs the features: builds each one's context, starts them in registry order and stops them in reverse. The
// context records every subscription, timer and store it hands out, so a stop releases them all (zigbee2mqtt's
// Extension does the same with `eventBus.removeListeners(this)`), whatever the feature's own stop forgets.
import { join } from 'node:path';
import type { Bus } from '../core/bus.js';
import type { EntityRegistry } from '../core/entities.js';
import type { RaisedEventDraft } from '../core/event.js';
import type { Logger } from '../log.js';
import { StateFile } from '../spool/state-file.js';
import type { BridgeView, Feature, FeatureContext, FeatureModule, TimerHandle } from './module.js';

/** The clock features get: tests pass their own, so nothing waits in real time. */
export interface FeatureClock {
  now: () => number;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
  setInterval: (callback: () => void, ms: number) => unknown;
  clearInterval: (timer: unknown) => void;
}

export const systemClock: FeatureClock = {
  now: Date.now,
  // Unref'd: a feature's timer never keeps the process alive after the bridge has stopped.
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout),
};

export interface FeatureHostDependencies {
  log: Logger;
  bus: Bus;
  dataDir: string;
  entities: EntityRegistry;
  /** Writes a raised event to the spool; resolves with its id once it is durable. */
  raise: (draft: RaisedEventDraft) => Promise<string>;
  bridge: BridgeView;
  clock?: FeatureClock;
}

export interface RunningFeatures {
  stop(): Promise<void>;
}

/** The error a feature's `raise` rejects with once the feature is stopped. */
export class FeatureStopped extends Error {
  constructor(feature: string) {
    super(`feature ${feature} is stopped`);
    this.name = 'FeatureStopped';
  }
}

const storeName = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Starts every feature with its settings; if one fails, those started are stopped again before the error is thrown. */
export async function startFeatures(
  modules: readonly FeatureModule[],
  settingsOf: (module: FeatureModule) => unknown,
  deps: FeatureHostDependencies,
): Promise<RunningFeatures> {
  const running: { feature: Feature; scope: FeatureScope }[] = [];
  const stop = async () => {
    for (const { feature, scope } of running.splice(0).reverse()) {
      try {
        await feature.stop();
      } catch (error) {
        scope.log.error({ err: error }, 'feature failed to stop');
      }
      await scope.release();
    }
  };
  try {
    for (const module of modules) {
      const scope = new FeatureScope(module.name, deps);
      // Typed per module by featureModule(); the registry's list cannot say which settings are whose. What a create
      // that fails had subscribed or scheduled is released with its scope.
      const feature = await Promise.resolve()
        .then(() => module.create(settingsOf(module) as never, scope.context))
        .catch(async (error: unknown) => {
          await scope.release();
          throw error;
        });
      running.push({ feature, scope });
      await feature.start();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** One feature's context, and the record of everything it handed out. */
class FeatureScope {
  readonly log: Logger;
  readonly context: FeatureContext;
  readonly #disposers = new Set<() => void>();
  readonly #stores = new Map<string, StateFile<unknown>>();
  #stopped = false;

  constructor(name: string, { log, bus, dataDir, entities, raise, bridge, clock = systemClock }: FeatureHostDependencies) {
    this.log = log.child({ component: name });
    const track = (dispose: () => void) => {
      if (this.#stopped) {
        dispose();
        return dispose;
      }
      const once = () => {
        this.#disposers.delete(once);
        dispose();
      };
      this.#disposers.add(once);
      return once;
    };
    const timers = new Map<TimerHandle, () => void>();
    const schedule = (
      set: FeatureClock['setTimeout'],
      clear: (timer: unknown) => void,
      callback: () => void,
      ms: number,
      once: boolean,
    ): TimerHandle => {
      const handle: TimerHandle = { kind: 'timer' };
      let release: () => void = () => undefined;
      const timer = set(() => {
        if (once) release();
        // Guarded like a bus listener: a feature's timer that throws (an entity it never declared, a raise on a full
        // disk) is logged, never an uncaught exception that ends the bridge.
        try {
          const returned: unknown = callback();
          if (returned instanceof Promise) returned.catch((error: unknown) => this.log.error({ err: error }, 'a feature timer failed'));
        } catch (error) {
          this.log.error({ err: error }, 'a feature timer failed');
        }
      }, ms);
      release = track(() => {
        clear(timer);
        timers.delete(handle);
      });
      timers.set(handle, release);
      return handle;
    };
    this.context = {
      log: this.log,
      bus: { on: (event, listener) => track(bus.on(event, listener)), emit: (event, payload) => bus.emit(event, payload) },
      now: clock.now,
      timers: {
        setTimeout: (callback, ms) => schedule(clock.setTimeout, clock.clearTimeout, callback, ms, true),
        setInterval: (callback, ms) => schedule(clock.setInterval, clock.clearInterval, callback, ms, false),
        clear: (handle) => timers.get(handle)?.(),
      },
      store: <T>(storeKey: string) => {
        if (!storeName.test(storeKey)) throw new Error(`store name "${storeKey}" must be [a-z0-9_-]`);
        // One instance per name: two on one file would interleave their writes, and one per call would pile up.
        const known = this.#stores.get(storeKey);
        if (known) return known as StateFile<T>;
        const file = new StateFile<T>(join(dataDir, 'features', name, `${storeKey}.json`));
        this.#stores.set(storeKey, file as StateFile<unknown>);
        return file;
      },
      raise: (draft) => (this.#stopped ? Promise.reject(new FeatureStopped(name)) : raise({ ...draft, source: name })),
      entities: {
        declare: (declaration, initial) => {
          if (this.#stopped) throw new FeatureStopped(name);
          entities.declare(name, declaration, initial);
        },
        controlPanelAlarm: (control) => {
          if (this.#stopped) throw new FeatureStopped(name);
          entities.controlPanelAlarm(name, control);
        },
        update: (id, state) => {
          // A late answer of work the stop cut short: the entity keeps its last state.
          if (!this.#stopped) entities.update(name, id, state);
        },
      },
      bridge,
    };
  }

  /** Unsubscribes, clears the timers and waits for the stores' writes under way. */
  async release(): Promise<void> {
    this.#stopped = true;
    for (const dispose of [...this.#disposers]) dispose();
    await Promise.all([...this.#stores.values()].map((file) => file.close()));
  }
}
