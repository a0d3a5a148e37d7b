// The panel's alarm state as the events tell it, kept in data_dir so it survives a restart. Written off the event's
// path: the event goes on at once, and its record is retired only once the state it set is on disk (`settled`), so
// a crash before that replays the record, which sets the state again.
import type { Bus } from '../core/bus.js';
import type { AlarmEvent, AlarmState } from '../core/event.js';
import { type SaveReport, StateFile } from '../spool/state-file.js';

interface StoredState {
  alarm_state: AlarmState;
  since: string;
}

export class AlarmStateStore {
  readonly #file: StateFile<StoredState>;
  #current: AlarmState | null = null;
  #since: string | null = null;

  readonly #bus: Bus | undefined;
  readonly #report: SaveReport;
  #saved: Promise<void> = Promise.resolve();

  /** `bus`: told of each change of state, for observers; `report`: told of a state the disk does not take (retried). */
  constructor(path: string, bus?: Bus, report: SaveReport = { failed: () => undefined, recovered: () => undefined }) {
    this.#file = new StateFile(path);
    this.#bus = bus;
    this.#report = report;
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
      this.#current = next;
      this.#since = event.time;
      this.#saved = this.#file.save({ alarm_state: next, since: event.time }, this.#report);
      this.#bus?.emit('panelState', { state: next, since: event.time });
    }
    return event;
  }

  /**
   * Resolves once the state as it is now is on disk, or its write failed (then it is told and tried again): a
   * full disk must not hold up retiring records for ever; what it costs is a state from before after a crash.
   */
  settled(): Promise<void> {
    return this.#saved;
  }

  /** Waits for the write under way. */
  close(): Promise<void> {
    return this.#file.close();
  }
}
