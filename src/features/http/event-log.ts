// The latest events with where each went, from bus facts only: an event, then per output its delivery (MQTT's
// PUBACK, the messages SMS and Telegram stored) and each message's fate (retrying, held, sent, failed). Bounded,
// masked as it comes in, and kept in a small file so the page shows the last few hundred after a restart.

import { z } from 'zod';
import type { BusEvents, MessageProgress } from '../../core/bus.js';
import type { AlarmEvent } from '../../core/event.js';
import { maskTargets } from '../../core/mask.js';
import { oneLine } from '../../errors.js';
import { type DeliveryResult, deliveryResults, type EventView, type MessageView, messageResults, type OutputDelivery } from './api.js';

/** Events kept (and written); older ones leave. Each is a few KB at most (texts are clipped), so the file stays under 2 MB. */
export const maxLoggedEvents = 300;
/** A message per recipient; a summary adds one. Beyond this an event's list is cut (a misconfigured list of numbers). */
const maxMessagesPerOutput = 20;
/** A mail's text as the page shows it: the unparsed event's 4 KB of raw mail is more than a row needs. */
const maxTextLength = 1000;
/** A provider's or broker's words: enough to say why. */
const maxReasonLength = 500;

export interface EventLogOptions {
  /** The outputs every event goes to: each starts `pending`. */
  outputs: readonly string[];
  /** Phone numbers and configured secrets out of every text from a mail or a service. */
  mask: (text: string) => string;
  now: () => number;
  /** Runs `flush` after `ms` (the feature's timers, released at its stop); told views wait this long at most. */
  later: (flush: () => void, ms: number) => void;
}

/**
 * Subscribers hear of changes at most this often: an event's four or five changes in a burst (published, queued,
 * sent) make one message, and a flood of mails costs the page's readers a few messages a second, not thousands.
 */
const tellEveryMs = 250;

interface Entry {
  event: AlarmEvent;
  delivery: Map<string, OutputState>;
}

interface OutputState {
  result: DeliveryResult;
  time: string;
  nextAttempt?: string;
  reason?: string;
  /** By message id: a message's later facts replace its earlier ones. */
  messages?: Map<string, MessageView>;
}

export class EventLog {
  readonly #options: EventLogOptions;
  /** Oldest first; Map keeps insertion order, so the oldest is the first key. */
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(view: EventView) => void>();
  /** Events changed since subscribers were last told, in the order they changed. */
  readonly #untold = new Set<string>();
  #changed = false;

  constructor(options: EventLogOptions) {
    this.#options = options;
  }

  /** Told each event as it arrives and again whenever its delivery changes (changes within 250 ms as one). */
  subscribe(listener: (view: EventView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Newest first. */
  latest(limit: number): EventView[] {
    const views: EventView[] = [];
    for (const entry of [...this.#entries.values()].reverse()) {
      if (views.length >= limit) break;
      views.push(viewOf(entry));
    }
    return views;
  }

  /** An image some logged event names: only those may be served. */
  image(sha256: string): NonNullable<AlarmEvent['images']>[number] | undefined {
    for (const { event } of this.#entries.values()) {
      const image = event.images?.find((candidate) => candidate.sha256 === sha256);
      if (image) return image;
    }
    return undefined;
  }

  /** Whether something changed since the last call: the page's file is written only then. */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  onEvent(event: AlarmEvent): void {
    const known = this.#entries.get(event.id);
    // A replay after a restart carries the same id: it keeps what its outputs already did.
    const delivery = known?.delivery ?? new Map(this.#options.outputs.map((output) => [output, this.#state('pending')]));
    this.#entries.delete(event.id);
    const entry = { event: this.#masked(event), delivery };
    this.#entries.set(event.id, entry);
    while (this.#entries.size > maxLoggedEvents) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#tell(entry);
  }

  onDelivery({ output, eventId, result, error, messages }: BusEvents['delivery']): void {
    const entry = this.#entries.get(eventId);
    if (!entry) return;
    const current = entry.delivery.get(output);
    if (result === 'retrying') {
      entry.delivery.set(output, { ...this.#state('retrying'), reason: this.#reason(oneLine(error)), messages: current?.messages });
    } else if (messages === undefined) {
      entry.delivery.set(output, this.#state('published'));
    } else if (messages === 0) {
      entry.delivery.set(output, this.#state('skipped'));
    } else {
      // Its messages may have told their progress already (they are stored before the output says it has the event).
      const known = current?.messages ?? new Map<string, MessageView>();
      entry.delivery.set(output, { ...this.#state('queued'), messages: known, ...summaryOf(known) });
    }
    this.#tell(entry);
  }

  onMessage(progress: MessageProgress): void {
    const entry = this.#entries.get(progress.eventId);
    if (!entry) return;
    const current = entry.delivery.get(progress.output);
    const messages = current?.messages ?? new Map<string, MessageView>();
    if (!messages.has(progress.messageId) && messages.size >= maxMessagesPerOutput) return;
    messages.set(progress.messageId, {
      id: progress.messageId,
      recipient: progress.recipient,
      result: progress.state,
      time: progress.time,
      ...(progress.nextAttempt ? { next_attempt: progress.nextAttempt } : {}),
      ...(progress.reason ? { reason: this.#reason(progress.reason) } : {}),
      ...(progress.provider ? { provider: progress.provider } : {}),
    });
    entry.delivery.set(progress.output, { ...this.#state('queued'), messages, ...summaryOf(messages) });
    this.#tell(entry);
  }

  /** What the file keeps: the views, oldest first. */
  toJSON(): EventView[] {
    return [...this.#entries.values()].map(viewOf);
  }

  /** Takes back what a previous run kept; an entry not shaped like a view (a file of another version) is skipped. */
  restore(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const item of saved.slice(-maxLoggedEvents)) {
      const view = savedView.safeParse(item);
      if (!view.success) continue;
      const { delivery, ...event } = view.data;
      const states = new Map<string, OutputState>();
      for (const [output, { messages, next_attempt, ...rest }] of Object.entries(delivery)) {
        states.set(output, {
          ...rest,
          ...(next_attempt ? { nextAttempt: next_attempt } : {}),
          ...(messages ? { messages: new Map(messages.map((message) => [message.id, message])) } : {}),
        });
      }
      // Checked where the page relies on it; the rest is the event JSON this bridge wrote itself.
      this.#entries.set(event.id, { event: event as unknown as AlarmEvent, delivery: states });
    }
  }

  #state(result: DeliveryResult): OutputState {
    return { result, time: new Date(this.#options.now()).toISOString() };
  }

  /** Every text from a mail or a sender, masked and clipped once, here: the page, the API and the file all get this. */
  #masked(event: AlarmEvent): AlarmEvent {
    const { mask } = this.#options;
    // Masked whole, then cut: a secret cut in two would no longer be recognised.
    const text = (value: string) => clip(mask(value), maxTextLength);
    const optional = (value: string | null) => (value === null ? null : text(value));
    return {
      ...event,
      text: text(event.text),
      sensor: optional(event.sensor),
      user: optional(event.user),
      ...(event.from === undefined ? {} : { from: text(event.from) }),
      ...(event.recipients === undefined ? {} : { recipients: event.recipients.map(text) }),
      ...(event.subject === undefined ? {} : { subject: text(event.subject) }),
      ...(event.to === undefined ? {} : { to: maskTargets(event.to) }),
    };
  }

  #reason(text: string): string {
    return clip(this.#options.mask(text), maxReasonLength);
  }

  #tell(entry: Entry): void {
    this.#changed = true;
    if (this.#listeners.size === 0) return;
    if (this.#untold.size === 0) this.#options.later(() => this.#flush(), tellEveryMs);
    this.#untold.delete(entry.event.id);
    this.#untold.add(entry.event.id);
  }

  #flush(): void {
    const ids = [...this.#untold];
    this.#untold.clear();
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (!entry) continue;
      const view = viewOf(entry);
      for (const listener of this.#listeners) listener(view);
    }
  }
}

/** A messaging output's result as a whole: the least finished of its messages. */
const precedence: readonly MessageView['result'][] = ['retrying', 'held', 'queued', 'failed', 'sent', 'dry_run', 'suppressed'];

function summaryOf(messages: ReadonlyMap<string, MessageView>): Partial<OutputState> {
  const all = [...messages.values()];
  for (const result of precedence) {
    const first = all.find((message) => message.result === result);
    if (first)
      return {
        result,
        time: first.time,
        ...(first.next_attempt ? { nextAttempt: first.next_attempt } : {}),
        ...(first.reason ? { reason: first.reason } : {}),
      };
  }
  return {};
}

function viewOf({ event, delivery }: Entry): EventView {
  const outputs: Record<string, OutputDelivery> = {};
  for (const [output, { result, time, nextAttempt, reason, messages }] of delivery) {
    outputs[output] = {
      result,
      time,
      ...(nextAttempt ? { next_attempt: nextAttempt } : {}),
      ...(reason ? { reason } : {}),
      ...(messages ? { messages: [...messages.values()] } : {}),
    };
  }
  return { ...event, delivery: outputs };
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

const savedMessage = z.object({
  id: z.string(),
  recipient: z.string(),
  result: z.enum(messageResults),
  time: z.string(),
  next_attempt: z.string().optional(),
  reason: z.string().optional(),
  provider: z.string().optional(),
});
const savedDelivery = z.object({
  result: z.enum(deliveryResults),
  time: z.string(),
  next_attempt: z.string().optional(),
  reason: z.string().optional(),
  messages: z.array(savedMessage).max(maxMessagesPerOutput).optional(),
});
/** What the page reads of a kept event: the fields it uses are checked, the rest of the event's JSON is kept as it is. */
const savedView = z.looseObject({
  id: z.string(),
  time: z.string(),
  text: z.string(),
  category: z.string(),
  type: z.string(),
  images: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number(), sha256: z.string() })).optional(),
  delivery: z.record(z.string(), savedDelivery),
});
