// The status page feature: the event log, the "Now" block and the metrics fed from the bus, kept across restarts
// in its own store, and served by the page server. It never sits on a mail's path: a page that cannot listen (its
// port taken) is logged and tried again, and the bridge goes on taking alarms.
import { randomUUID } from 'node:crypto';
import type { CommandResult } from '../../core/bus.js';
import { acknowledgeEntity } from '../incidents/entities.js';
import type { Feature, FeatureContext } from '../module.js';
import { accessPolicy } from './access.js';
import type { EntityView, StatusView } from './api.js';
import type { HttpSettings } from './config.js';
import { EventLog } from './event-log.js';
import { BridgeMetrics } from './metrics.js';
import { NowTracker, type SavedNow } from './now.js';
import { pageRoutes } from './routes.js';
import { HttpError, PageServer } from './server.js';

/**
 * The kept state is written at most this often (and at stop): the page's history is worth no frequent rewrite of an
 * SD card; a crash costs at most this much of it, never a mail.
 */
const saveEveryMs = 30_000;
/** A port taken at start is tried again this often. */
const listenRetryMs = 60_000;
/** How long a button of the page waits for the feature that owns it, as the MQTT output waits for a command's answer. */
const commandAnswerMs = 10_000;
/** `/healthz` probes the disk at most this often; callers in between share the last answer. */
const probeEveryMs = 1_000;
/** The page's status shows the last probe's answer, probing again only when it is older than this (no fsync per look). */
const statusProbeEveryMs = 30_000;

interface Saved {
  events: unknown;
  now: SavedNow;
}

export class StatusPage implements Feature {
  readonly #settings: HttpSettings;
  readonly #context: FeatureContext;
  readonly #log: EventLog;
  readonly #now: NowTracker;
  readonly #metrics: BridgeMetrics;
  readonly #server: PageServer;
  #probe: { at: number; answer: Promise<string | undefined> } | undefined;

  constructor(settings: HttpSettings, context: FeatureContext) {
    this.#settings = settings;
    this.#context = context;
    const { bridge, now, timers } = context;
    this.#log = new EventLog({ outputs: bridge.outputs, mask: bridge.mask, now, later: (flush, ms) => timers.setTimeout(flush, ms) });
    this.#now = new NowTracker(() => localDate(new Date(now())), bridge.mask);
    this.#metrics = new BridgeMetrics(context.bus, { now });
    this.#server = new PageServer(
      pageRoutes({
        log: this.#log,
        bridge,
        metrics: this.#metrics,
        status: () => this.status(),
        health: () => this.health(),
        acknowledge: () => this.acknowledge(),
      }),
      accessPolicy(settings.allowed_networks, settings.host_names),
      context.log,
    );
  }

  async start(): Promise<void> {
    const { bus, timers, store } = this.#context;
    const saved = await store<Saved>('page')
      .read()
      .catch((error: unknown) => {
        this.#context.log.warn({ err: error }, 'cannot read what the status page kept: it starts empty');
        return undefined;
      });
    // What a previous run kept is a convenience: a file this version cannot read must never stop the bridge.
    try {
      this.#log.restore(saved?.events);
      this.#now.restore(saved?.now);
    } catch (error) {
      this.#context.log.warn({ err: error }, 'cannot read what the status page kept: it starts empty');
    }
    bus.on('event', (event) => {
      this.#log.onEvent(event);
      this.#now.onEvent(event);
    });
    bus.on('delivery', (delivery) => this.#log.onDelivery(delivery));
    bus.on('message', (message) => this.#log.onMessage(message));
    bus.on('mailAccepted', () => this.#now.onAccepted());
    bus.on('mailRefused', (refused) => this.#now.onRefused(refused));
    bus.on('intake', (intake) => this.#now.onIntake(intake));
    bus.on('broker', (broker) => this.#now.onBroker(broker));
    bus.on('health', (health) => this.#now.onHealth(health));
    bus.on('backlog', (backlog) => this.#now.onBacklog(backlog));
    bus.on('quarantine', (quarantine) => this.#now.onQuarantine(quarantine));
    timers.setInterval(() => void this.#save(false), saveEveryMs);
    await this.#listen();
  }

  async stop(): Promise<void> {
    await this.#server.close();
    this.#metrics.close();
    await this.#save(true);
  }

  /** The "Now" block: what the bus told, and what the bridge says of itself now. */
  async status(): Promise<StatusView> {
    const { bridge, now } = this.#context;
    const view = this.#now.view();
    return {
      version: bridge.version,
      started: new Date(bridge.startedAt).toISOString(),
      uptime_seconds: Math.floor((now() - bridge.startedAt) / 1000),
      health: await this.health(statusProbeEveryMs),
      alarm: bridge.alarmState(),
      ...view,
      quarantine: {
        ...view.quarantine,
        mails: bridge.quarantined().map(({ id, quarantinedAt, bytes, reason }) => ({
          id,
          time: new Date(quarantinedAt).toISOString(),
          bytes,
          reason: reason === undefined ? null : bridge.mask(reason),
        })),
      },
      entities: this.#entities(),
    };
  }

  /**
   * The page's "Acknowledge" button: a press of the incidents feature's button, told as a command from the status
   * page, and its answer (`done`, or `refused` when no incident is open).
   */
  acknowledge(): Promise<CommandResult> {
    const { bus, timers } = this.#context;
    const commandId = `status_page_${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        off();
        reject(new HttpError(504, `no answer within ${commandAnswerMs / 1000} s`));
      }, commandAnswerMs);
      const off = bus.on('commandResult', (result) => {
        if (result.commandId !== commandId) return;
        off();
        timers.clear(timer);
        resolve(result);
      });
      bus.emit('command', { commandId, entity: acknowledgeEntity, command: 'PRESS', origin: 'status_page' });
    });
  }

  /** The features' sensors as they are now (a button has no state to show); their texts masked like a mail's. */
  #entities(): EntityView[] {
    const { mask, entities } = this.#context.bridge;
    const shown = (value: string | null) => (value === null ? null : mask(value));
    return entities().flatMap(({ id, name, platform, device, device_class: deviceClass, current }) =>
      platform === 'button'
        ? []
        : [
            {
              id,
              name: shown(name),
              platform,
              device,
              device_class: deviceClass ?? null,
              state: shown(current?.state ?? null),
              attributes: Object.fromEntries(
                Object.entries(current?.attributes ?? {}).map(([key, value]) => [key, typeof value === 'string' ? mask(value) : value]),
              ),
            },
          ],
    );
  }

  /** Healthy while every input listens and the spool can store a record (probed if the last probe is older than `maxAgeMs`). */
  async health(maxAgeMs = probeEveryMs): Promise<StatusView['health']> {
    const problems = this.#now.intakeProblems();
    const spool = await this.#spoolProblem(maxAgeMs);
    if (spool) problems.push(spool);
    return { ok: problems.length === 0, problems };
  }

  #spoolProblem(maxAgeMs: number): Promise<string | undefined> {
    const at = this.#context.now();
    if (!this.#probe || at - this.#probe.at >= maxAgeMs) this.#probe = { at, answer: this.#context.bridge.spoolProblem() };
    return this.#probe.answer;
  }

  async #listen(): Promise<void> {
    const { host, port } = this.#settings;
    try {
      const address = await this.#server.listen(host, port);
      this.#context.log.info({ address: `${address.address}:${address.port}` }, 'status page listening');
    } catch (error) {
      this.#context.log.error(
        { err: error, host, port },
        `status page cannot listen on ${host}:${port}: set http.port to a free port (0: off); trying again every minute`,
      );
      this.#context.timers.setTimeout(() => void this.#listen(), listenRetryMs);
    }
  }

  /** Writes what the page keeps when it changed; at stop it waits for the write. */
  async #save(final: boolean): Promise<void> {
    const eventsChanged = this.#log.takeChanged();
    const nowChanged = this.#now.takeChanged();
    if (!eventsChanged && !nowChanged && !final) return;
    const file = this.#context.store<Saved>('page');
    await file.save(
      { events: this.#log.toJSON(), now: this.#now.toJSON() },
      {
        failed: (error) => this.#context.log.warn({ err: error }, 'cannot keep the status page history (tried again later)'),
        recovered: () => this.#context.log.info('status page history kept again'),
      },
    );
  }
}

/** `2026-12-03` in the machine's time zone: "today" is the user's day, not UTC's. */
function localDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
