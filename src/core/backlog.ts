// A queue's depth on the bus (`backlog`), coalesced: a flood of a thousand records a second changes a depth a
// thousand times, but observers get at most one message per queue per interval, and always the last value.
import type { Bus } from './bus.js';

/** The clock of the coalescing; tests pass their own, so nothing waits in real time. */
export interface BacklogClock {
  now: () => number;
  /** Calls `callback` after `ms`; returns a cancel. The system's timer is unref'd: it never keeps the process alive. */
  schedule: (callback: () => void, ms: number) => () => void;
}

export const systemBacklogClock: BacklogClock = {
  now: () => performance.now(),
  schedule: (callback, ms) => {
    const timer = setTimeout(callback, ms).unref();
    return () => clearTimeout(timer);
  },
};

/** At most one message per queue per this many ms: enough for a status page, nothing for a flood. */
export const backlogIntervalMs = 250;

export class BacklogGauge {
  readonly #bus: Bus;
  readonly #queue: string;
  readonly #clock: BacklogClock;
  readonly #intervalMs: number;
  #latest: number | undefined;
  #told: number | undefined;
  #toldAt = -Infinity;
  #cancel: (() => void) | undefined;
  #closed = false;

  constructor(
    bus: Bus,
    queue: string,
    { clock = systemBacklogClock, intervalMs = backlogIntervalMs }: { clock?: BacklogClock; intervalMs?: number } = {},
  ) {
    this.#bus = bus;
    this.#queue = queue;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  /** The depth now: told at once if the queue's last message is an interval old, else with the next one. */
  set(depth: number): void {
    if (this.#closed) return;
    this.#latest = depth;
    if (this.#cancel) return; // a message is due, and it carries the latest depth
    const wait = this.#toldAt + this.#intervalMs - this.#clock.now();
    if (wait <= 0) {
      this.#tell();
      return;
    }
    this.#cancel = this.#clock.schedule(() => {
      this.#cancel = undefined;
      this.#tell();
    }, wait);
  }

  /** Tells the final depth if it is not told yet, and releases the timer; later depths are ignored. */
  close(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#tell();
    this.#closed = true;
  }

  #tell(): void {
    const depth = this.#latest;
    if (depth === undefined || depth === this.#told) return;
    this.#told = depth;
    this.#toldAt = this.#clock.now();
    this.#bus.emit('backlog', { queue: this.#queue, depth });
  }
}
