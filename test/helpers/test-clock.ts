// A clock for features (FeatureClock) whose timers run only when the test advances the time: silence intervals and
// retries are tested without waiting. Timers due at the same time run in the order they were set.
import type { FeatureClock } from '../../src/features/host.js';

/** Timers that run only when the test advances the time. */
export class TestClock implements FeatureClock {
  time: number;
  readonly #timers = new Map<number, { at: number; every: number | undefined; callback: () => void }>();
  #next = 0;

  /** `start`: the time it shows first (ms since the epoch), e.g. `Date.now()` for a bridge whose events carry real times. */
  constructor(start = 0) {
    this.time = start;
  }
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => this.#add(callback, ms, undefined);
  setInterval = (callback: () => void, ms: number) => this.#add(callback, ms, ms);
  clearTimeout = (timer: unknown) => void this.#timers.delete(timer as number);
  clearInterval = (timer: unknown) => void this.#timers.delete(timer as number);

  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every === undefined) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.time = until;
  }

  #add(callback: () => void, ms: number, every: number | undefined): number {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.time + ms, every, callback });
    return id;
  }
}
