// Feeds one output its events in order, with up to `window` deliveries in flight; failures are retried
// with backoff. Reports each delivered event so the mail can be retired once every output has it.
import pRetry, { AbortError } from 'p-retry';
import { type BacklogClock, BacklogGauge } from '../core/backlog.js';
import type { Bus } from '../core/bus.js';
import type { AlarmEvent } from '../core/event.js';
import type { Logger } from '../log.js';
import type { DeliveryOptions, DeliveryReceipt, Output } from '../outputs/output.js';
import { WakeSignal } from '../wake-signal.js';

export class Delivery {
  readonly #output: Output;
  readonly #log: Logger;
  readonly #options: DeliveryOptions;
  readonly #queue: AlarmEvent[] = [];
  readonly #stopping = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #onDelivered: (event: AlarmEvent, settled: Promise<void> | undefined) => void = () => undefined;
  readonly #signal = new WakeSignal();
  #loop: Promise<void> | undefined;

  readonly #bus: Bus | undefined;
  readonly #backlog: BacklogGauge | undefined;

  /** `bus`: told of each delivered event, each failed attempt and the backlog (queue: the output's name), for observers. */
  constructor(output: Output, log: Logger, options: DeliveryOptions, bus?: Bus, backlogClock?: BacklogClock) {
    this.#output = output;
    this.#log = log;
    this.#options = options;
    this.#bus = bus;
    this.#backlog = bus && new BacklogGauge(bus, output.name, { clock: backlogClock });
  }

  get name(): string {
    return this.#output.name;
  }

  /** Events accepted but not yet delivered. */
  get backlog(): number {
    return this.#queue.length + this.#inFlight.size;
  }

  /** `onDelivered`: with the output's own state write, if it handed one over (DeliveryReceipt.settled). */
  async start(onDelivered: (event: AlarmEvent, settled: Promise<void> | undefined) => void): Promise<void> {
    this.#onDelivered = onDelivered;
    await this.#output.start();
    this.#backlog?.set(this.backlog);
    this.#loop = this.#run();
  }

  accept(event: AlarmEvent): void {
    this.#queue.push(event);
    this.#backlog?.set(this.backlog);
    this.#signal.wake();
  }

  /** What is not delivered stays in the spool and goes out after the next start. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#signal.wake();
    await this.#output.stop(); // fails deliveries in flight, which p-retry does not interrupt by itself
    await this.#loop;
    this.#backlog?.close();
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      const event = this.#inFlight.size < this.#options.window ? this.#queue.shift() : undefined;
      if (!event) {
        await this.#signal.sleep();
        continue;
      }
      const attempt = this.#deliver(event).finally(() => {
        this.#inFlight.delete(attempt);
        this.#backlog?.set(this.backlog);
        this.#signal.wake();
      });
      this.#inFlight.add(attempt);
    }
    await Promise.all(this.#inFlight);
  }

  async #deliver(event: AlarmEvent): Promise<void> {
    const signal = this.#stopping.signal;
    let receipt: DeliveryReceipt | undefined;
    try {
      receipt =
        (await pRetry(
          () => {
            if (signal.aborted) throw new AbortError('stopping');
            return this.#output.deliver(event);
          },
          {
            retries: Number.POSITIVE_INFINITY,
            minTimeout: this.#options.minRetryMs,
            maxTimeout: this.#options.maxRetryMs,
            randomize: true,
            signal,
            onFailedAttempt: ({ error, attemptNumber }) => {
              if (signal.aborted) return;
              this.#log.warn({ mailId: event.id, attempt: attemptNumber, err: error }, 'delivery failed, will retry');
              this.#bus?.emit('delivery', { output: this.#output.name, eventId: event.id, result: 'retrying', error });
            },
          },
        )) ?? undefined;
    } catch {
      return; // stopping: the mail stays in the spool
    }
    const messages = receipt?.messages === undefined ? {} : { messages: receipt.messages };
    this.#bus?.emit('delivery', { output: this.#output.name, eventId: event.id, result: 'delivered', ...messages });
    this.#onDelivered(event, receipt?.settled);
  }
}
