// The panel's alarm state as the events tell it, kept in data_dir so it survives a restart.
import type { Bus } from '../core/bus.js';
import type { AlarmEvent, AlarmState } from '../core/event.js';
import { StateFile } from '../spool/state-file.js';

interface StoredState {
  alarm_state: AlarmState;
  since: string;
}

export class AlarmStateStore {
  readonly #file: StateFile<StoredState>;
  #current: AlarmState | null = null;
  #since: string | null = null;

  readonly #bus: Bus | undefined;

  /** `bus`: told of each change of state (after it is kept), for observers. */
  constructor(path: string, bus?: Bus) {
    this.#file = new StateFile(path);
    this.#bus = bus;
  }

  async load(): Promise<void> {
    const stored = await this.#file.read();
    this.#current = stored?.alarm_state ?? null;
    this.#since = stored?.since ?? null;
  }

  /** Unknown (null) until the first event that says it. */
  get current(): AlarmState | null {
    return this.#current;
  }

  /** When the current state began (ISO 8601); null while it is unknown. */
  get since(): string | null {
    return this.#since;
  }

  /**
   * The event with the state the panel is in after it, which is then kept. An event that names a mode
   * (a user's `Arm`, `Home` or `Disarm` line, or a rule of the user's that names one) is the panel's own
   * word about its mode and sets it, also out of `triggered`: the XT1 lets a user arm only once the alarm
   * was dealt with, and the disarm that came first may never have been mailed. Sensor, test, restore,
   * supervision and unknown lines say nothing about the state (null), so they never end `triggered`.
   */
  async resolve<E extends Pick<AlarmEvent, 'alarm_state' | 'time'>>(event: E): Promise<E> {
    const next = event.alarm_state;
    if (next === null) return event;
    if (next !== this.#current) {
      await this.#file.write({ alarm_state: next, since: event.time });
      this.#current = next;
      this.#since = event.time;
      this.#bus?.emit('panelState', { state: next, since: event.time });
    }
    return event;
  }
}
