// The contract every output (MQTT, later SMS and Telegram) fulfils.
import type { AlarmEvent } from '../core/event.js';

export interface Output {
  /** Names the output's durable queue in data_dir; never change it for an existing output. */
  readonly name: string;
  start(): Promise<void>;
  /**
   * Resolves once the event is delivered; a rejection is retried later with backoff, in order. A messaging output
   * resolves with how many messages it stored for the event (0: the event is not for it); one that keeps state of
   * its own (MQTT's zones) may hand over its write as `settled`, which its record's retirement waits for.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an output that stores no messages (MQTT) returns nothing.
  deliver(event: AlarmEvent): Promise<void | DeliveryReceipt>;
  stop(): Promise<void>;
}

/** How the pipeline feeds one output; the output's module chooses it. */
export interface DeliveryOptions {
  /** Deliveries in flight at once: 1 keeps strict order; MQTT keeps order on its one connection itself. */
  window: number;
  /** Backoff between attempts, growing from the first to the last value. */
  minRetryMs: number;
  maxRetryMs: number;
}

/** What an output made of an event. */
export interface DeliveryReceipt {
  /** How many messages a messaging output stored (each then told as a `message` on the bus). */
  messages?: number;
  /**
   * The output's own state about the event on disk (never rejects): kept off the delivery, so the next event need not
   * wait for a disk, and before the record is retired, so a crash in between replays the event to set it again.
   */
  settled?: Promise<void>;
}
