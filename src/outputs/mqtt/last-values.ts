// The retained "last" values that no other state file holds: the last event, each camera's last event and each
// output's last result. A broker without persistence (the embedded one) forgets them at a restart, and the outputs
// report a result only when they have a new one, so the MQTT output keeps them in last-values.json and publishes
// them again after every connect.
import type { SaveReport, StateFile } from '../../spool/state-file.js';

/** As published: JSON payloads. Bounded: one event, one per camera the bridge knows, one per output with a health. */
export interface LastValuesState {
  event?: string;
  /** By camera id. */
  cameras: Record<string, string>;
  /** By output name, e.g. `sms`, `telegram`. */
  health: Record<string, string>;
}

const saveDelayMs = 2000;

/**
 * Changes are written together, 2 s after the first one and in the background: a burst of camera events
 * costs one fsync'ed write, not one per event, and no delivery ever waits for it. A crash loses at most the
 * changes of that last moment (the values shown then are the ones before); a clean stop writes them at once.
 */
export class LastValues {
  readonly #file: StateFile<LastValuesState>;
  readonly #report: SaveReport;
  #state: LastValuesState = { cameras: {}, health: {} };
  #timer: NodeJS.Timeout | undefined;

  constructor(file: StateFile<LastValuesState>, report: SaveReport) {
    this.#file = file;
    this.#report = report;
  }

  /** Reads the file; a value set before (an output's health at its start) is newer and stays. */
  async load(): Promise<void> {
    const stored = await this.#file.read();
    if (!stored) return;
    this.#state = {
      event: this.#state.event ?? stored.event,
      cameras: { ...stored.cameras, ...this.#state.cameras },
      health: { ...stored.health, ...this.#state.health },
    };
  }

  get event(): string | undefined {
    return this.#state.event;
  }

  camera(id: string): string | undefined {
    return this.#state.cameras[id];
  }

  get health(): Readonly<Record<string, string>> {
    return this.#state.health;
  }

  setEvent(payload: string): void {
    this.#state.event = payload;
    this.#changed();
  }

  setCamera(id: string, payload: string): void {
    this.#state.cameras[id] = payload;
    this.#changed();
  }

  setHealth(output: string, payload: string): void {
    this.#state.health[output] = payload;
    this.#changed();
  }

  /** Writes what is not written yet, and waits for it. */
  async close(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#file.write(this.#state).catch((error: unknown) => this.#report.failed(error));
    }
    await this.#file.close();
  }

  #changed(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#file.save(this.#state, this.#report);
    }, saveDelayMs);
    // The timer must not keep the process alive; a stop writes the values itself.
    this.#timer.unref();
  }
}
