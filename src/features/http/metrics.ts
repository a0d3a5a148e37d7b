// The bridge's Prometheus metrics (`GET /metrics`): counted from bus facts only, on a registry of its own, so two
// bridges in one process (or one test after another) never share a count. Names are a contract: see README, Metrics.
//
// No label can carry a phone number or a secret: outputs and queues are the bridge's code names (`sms`,
// `outbox/sms`), results and categories are fixed words, SMTP codes are numbers, and an event's source and type
// come from profiles and the user's rules (`type` is snake_case by the rules' schema). A message's recipient and
// any reason text are never read. What a configuration or a stranger's mails could multiply, the event types, is
// bounded: see `eventLabelSetLimit`.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageProgress } from '../../core/bus.js';
import type { FeatureBus } from '../module.js';

const prefix = 'alarm_mail_bridge_';

/** Distinct `events_total` label sets kept; past them a new type counts as `type="other"` of its source and category. */
export const eventLabelSetLimit = 200;

/** Arrival times of the newest events kept for `delivery_seconds`; an answer for an older event is not timed. */
export const eventTimesKept = 1000;

/**
 * Seconds from the mail's arrival (the event's time, taken when DATA begins) to the output having the event. MQTT's PUBACK comes within milliseconds (the bench on a
 * busy 2-core dev machine: p50 5 ms, p99 50 ms to 135 ms; a Raspberry Pi is a few times slower); a provider's HTTPS
 * answer adds 0.1 s to a few seconds; 5 s to 60 s means a slow provider or a retry; past a minute the alarm is late
 * by anyone's measure, and 300 s still tells a retried message from a lost one.
 */
export const deliveryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The message states counted in `deliveries_total`; `queued` is not: the event's `queued` already counted it. */
const countedMessageStates: ReadonlySet<MessageProgress['state']> = new Set([
  'retrying',
  'held',
  'sent',
  'dry_run',
  'failed',
  'suppressed',
]);

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, handles, event loop lag, GC), under their standard names without prefix,
 * collected once per process and shown by every BridgeMetrics: prom-client 15 gives no way to stop the event-loop
 * delay monitor and the GC observer `collectDefaultMetrics` starts (prometheus/client_js issues 494 and 500), so a
 * collector per bridge would leave one of each behind at every stop. They describe the process, not a bridge.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** The clock that `delivery_seconds` is measured with (ms since the epoch), the one events are dated with. */
  now: () => number;
}

export class BridgeMetrics {
  readonly #scraped: Registry;
  readonly #now: () => number;
  readonly #unsubscribe: (() => void)[];
  /** Event id → arrival (ms), newest last: a Map keeps insertion order, so the first key is the oldest. */
  readonly #arrivals = new Map<string, number>();
  readonly #eventLabelSets = new Set<string>();

  readonly #mails: Counter<'result' | 'code'>;
  readonly #events: Counter<'source' | 'category' | 'type'>;
  readonly #deliveries: Counter<'output' | 'result'>;
  readonly #deliverySeconds: Histogram<'output'>;
  readonly #backlog: Gauge<'queue'>;
  readonly #quarantined: Counter;
  readonly #quarantineMails: Gauge;
  readonly #quarantineBytes: Gauge;
  readonly #parserRestarts: Counter;
  readonly #brokerConnected: Gauge;

  constructor(bus: Pick<FeatureBus, 'on'>, options: MetricsOptions) {
    this.#now = options.now;
    const registers = [new Registry()];
    this.#mails = new Counter({
      name: `${prefix}mails_total`,
      help: 'Mails accepted (250) and refused, by SMTP code.',
      labelNames: ['result', 'code'],
      registers,
    });
    this.#events = new Counter({
      name: `${prefix}events_total`,
      help: `Events, by source, category and type (at most ${eventLabelSetLimit} label sets, then type="other").`,
      labelNames: ['source', 'category', 'type'],
      registers,
    });
    this.#deliveries = new Counter({
      name: `${prefix}deliveries_total`,
      help: 'Per output: events published, queued (a messaging output stored its messages), skipped (not for it) or retrying; messages retrying, held, sent, dry_run, failed, suppressed.',
      labelNames: ['output', 'result'],
      registers,
    });
    this.#deliverySeconds = new Histogram({
      name: `${prefix}delivery_seconds`,
      help: "Seconds from the mail's arrival (the event's time: when DATA began) until the output has the event: MQTT PUBACK; each SMS or Telegram message the provider accepted.",
      labelNames: ['output'],
      buckets: deliveryBuckets,
      registers,
    });
    this.#backlog = new Gauge({
      name: `${prefix}backlog`,
      help: 'Items waiting per queue: spool (records not delivered by every output), each output, each outbox.',
      labelNames: ['queue'],
      registers,
    });
    this.#quarantined = new Counter({ name: `${prefix}quarantined_total`, help: 'Records put in quarantine (unreadable).', registers });
    this.#quarantineMails = new Gauge({ name: `${prefix}quarantine_mails`, help: 'Records in quarantine now.', registers });
    this.#quarantineBytes = new Gauge({ name: `${prefix}quarantine_bytes`, help: 'Bytes in quarantine now.', registers });
    this.#parserRestarts = new Counter({
      name: `${prefix}parser_restarts_total`,
      help: 'Times the isolated mail parser was replaced (hung, crashed, did not start).',
      registers,
    });
    this.#brokerConnected = new Gauge({
      name: `${prefix}broker_connected`,
      help: '1 while the MQTT output is connected to its broker, else 0.',
      registers,
    });
    this.#mails.inc({ result: 'accepted', code: '250' }, 0);
    this.#scraped = Registry.merge([...registers, processMetrics()]);

    this.#unsubscribe = [
      bus.on('mailAccepted', () => this.#mails.inc({ result: 'accepted', code: '250' })),
      bus.on('mailRefused', ({ code }) => this.#mails.inc({ result: 'refused', code: String(code) })),
      bus.on('event', (event) => {
        this.#countEvent(event.source, event.category, event.type);
        this.#remember(event.id, Date.parse(event.time));
      }),
      bus.on('delivery', ({ output, eventId, result, messages }) => {
        if (result === 'retrying') this.#deliveries.inc({ output, result });
        else if (messages === undefined) {
          this.#deliveries.inc({ output, result: 'published' });
          this.#observe(output, eventId);
        } else this.#deliveries.inc({ output, result: messages === 0 ? 'skipped' : 'queued' });
      }),
      bus.on('message', ({ output, eventId, state }) => {
        if (!countedMessageStates.has(state)) return;
        this.#deliveries.inc({ output, result: state });
        if (state === 'sent') this.#observe(output, eventId);
      }),
      bus.on('backlog', ({ queue, depth }) => this.#backlog.set({ queue }, depth)),
      bus.on('quarantine', ({ count, totalBytes, added }) => {
        if (added) this.#quarantined.inc();
        this.#quarantineMails.set(count);
        this.#quarantineBytes.set(totalBytes);
      }),
      bus.on('parserRestarted', () => this.#parserRestarts.inc()),
      bus.on('broker', ({ connected }) => this.#brokerConnected.set(connected ? 1 : 0)),
    ];
  }

  /** The Content-Type of `text()`: Prometheus' text format 0.0.4. */
  get contentType(): string {
    return this.#scraped.contentType;
  }

  /** Every metric in Prometheus' text format, the process's own included. */
  text(): Promise<string> {
    return this.#scraped.metrics();
  }

  /** Unsubscribes from the bus (a feature's stop does it too); the counts stay readable. */
  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #countEvent(source: string, category: string, type: string): void {
    const key = JSON.stringify([source, category, type]);
    if (!this.#eventLabelSets.has(key) && this.#eventLabelSets.size >= eventLabelSetLimit) {
      // Bounded by the sources (code) times the four categories.
      this.#events.inc({ source, category, type: 'other' });
      return;
    }
    this.#eventLabelSets.add(key);
    this.#events.inc({ source, category, type });
  }

  #remember(eventId: string, arrival: number): void {
    if (Number.isNaN(arrival)) return;
    this.#arrivals.delete(eventId); // a replay after a restart moves to the newest end
    this.#arrivals.set(eventId, arrival);
    if (this.#arrivals.size > eventTimesKept) {
      const oldest = this.#arrivals.keys().next().value;
      if (oldest !== undefined) this.#arrivals.delete(oldest);
    }
  }

  #observe(output: string, eventId: string): void {
    const arrival = this.#arrivals.get(eventId);
    if (arrival === undefined) return;
    // A clock set back between arrival and delivery would make it negative: it was not late, so 0.
    this.#deliverySeconds.observe({ output }, Math.max(0, (this.#now() - arrival) / 1000));
  }
}
