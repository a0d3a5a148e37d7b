// The contract every output (MQTT, later SMS and Telegram) fulfils.
import type { AlarmEvent } from '../core/event.js';

export interface Output {
  /** Names the output's durable queue in data_dir; never change it for an existing output. */
  readonly name: string;
  start(): Promise<void>;
  /**
   * Resolves once the event is delivered; a rejection is retried later with backoff, in order. A messaging output
   * resolves with how many messages it stored for the event (0: the event is not for it).
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

/** What a messaging output made of an event: how many messages it stored (each then told as a `message` on the bus). */
export interface DeliveryReceipt {
  messages: number;
}
