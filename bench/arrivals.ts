// When each benchmark mail's event reached the MQTT subscriber, by the sequence number written into the mail
// ("Bench <n>"), and waiting until a set of them has arrived: with a deadline, so a lost event fails the run
// with a count instead of hanging it.
import type { Subscriber } from '../test/helpers/mqtt-subscriber.js';

/** How long without any new arrival before a wait gives up. */
const stallMs = 30_000;

export class Arrivals {
  readonly times = new Map<number, number>();
  #check: () => void = () => undefined;

  static of(subscriber: Subscriber, topic: string): Arrivals {
    const arrivals = new Arrivals();
    subscriber.onMessage((payload, arrivedOn) => {
      if (arrivedOn === topic) arrivals.note(payload);
    });
    return arrivals;
  }

  /** Notes the arrival of the mail whose sequence number is in `text`, the first time it comes. */
  note(text: string): void {
    const sequence = /Bench (\d+)/.exec(text)?.[1];
    if (sequence === undefined || this.times.has(Number(sequence))) return;
    this.times.set(Number(sequence), performance.now());
    this.#check();
  }

  /** Resolves once every one of `sequences` has arrived; rejects after `stallMs` without progress. */
  async all(sequences: readonly number[]): Promise<void> {
    const missing = () => sequences.filter((sequence) => !this.times.has(sequence)).length;
    let lastMissing = missing();
    while (lastMissing > 0) {
      const progress = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), stallMs);
        this.#check = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!(await progress)) throw new Error(`${lastMissing} of ${sequences.length} events did not arrive`);
      lastMissing = missing();
    }
    this.#check = () => undefined;
  }
}
