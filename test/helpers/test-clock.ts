// A features' clock whose timers run only when the test advances the time, so a delay of minutes passes at once.
import type { FeatureClock } from '../../src/features/host.js';

export class TestClock implements FeatureClock {
  time: number;
  readonly #timers = new Map<number, { at: number; every: number | undefined; callback: () => void }>();
  #next = 0;

  /** `start`: the time it shows first (ms since the epoch). */
  constructor(start = 0) {
    this.time = start;
  }

  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => this.#add(callback, ms, undefined);
  setInterval = (callback: () => void, ms: number) => this.#add(callback, ms, ms);
  clearTimeout = (timer: unknown) => void this.#timers.delete(timer as number);
  clearInterval = (timer: unknown) => void this.#timers.delete(timer as number);

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Runs every timer due until `ms` from now, in order of their time, each at its time. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.time = Math.max(this.time, timer.at);
      if (timer.every === undefined) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.time = until;
  }

  #add(callback: () => void, ms: number, every: number | undefined): number {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.time + Math.max(0, ms), every, callback });
    return id;
  }
}
