// Supervision of silent sources: a source (the panel, a listed camera) that has not mailed for its interval is
// silent. Its problem sensor turns on and a `source_silent` event is raised the durable way, once per silence; its
// next mail turns the sensor off and raises `source_back`. What it knows is kept in its store, so a restart neither
// forgets a told silence (no second SMS) nor tells one too early: after a start every source gets a whole interval,
// as the bridge heard nothing while it was down, and a panel that died meanwhile is told one interval after the start.
import { z } from 'zod';
import { RaisedEventInvalid } from '../../pipeline/raise.js';
import { FeatureStopped } from '../host.js';
import type { Feature, FeatureContext, TimerHandle } from '../module.js';
import { backDraft, entityState, type SourceFacts, silentDraft, sourceKeyOf, type WatchedSource } from './sources.js';

/** A failed raise (a full disk) is tried again after this, doubling up to `retryMaxMs`. */
const retryFirstMs = 60_000;
const retryMaxMs = 15 * 60_000;
/** A mail's time is written at most this late: a restart gives every source back at most this much. */
const heardSaveMs = 60_000;
/**
 * How long the bridge has been up is written this often: after a restart a source gets back only the time the bridge
 * was down, so a bridge that restarts every day cannot keep a dead panel "alive" by starting its interval again.
 */
const upUntilSaveMs = 5 * 60_000;
/** Node's timers take at most 2^31-1 ms (24.8 days); a longer interval is waited for in parts. */
const maxTimerMs = 2_147_483_647;

/** An event decided and not yet durable: raised again after a failure or a restart, until the spool has it. */
const pendingRaise = z.object({
  source: z.string(),
  kind: z.enum(['silent', 'back']),
  /** The source's last sign of life before the silence (ms). */
  since: z.number(),
  /** When the silence was found, or the source heard again (ms). */
  at: z.number(),
});
type PendingRaise = z.output<typeof pendingRaise>;

const savedSchema = z.object({
  sources: z.record(
    z.string(),
    z.object({ heard: z.number(), mailed: z.boolean(), silent: z.boolean(), restartDeadline: z.number().optional() }),
  ),
  /** Oldest first; at most two per source (a `back` still failing, then the next `silent`). */
  pending: z.array(pendingRaise),
  /** When the bridge was last known to run (ms): written every few minutes and at the stop. */
  upUntil: z.number().optional(),
});
type Saved = z.output<typeof savedSchema>;

interface Watched {
  source: WatchedSource;
  facts: SourceFacts;
  deadline: number;
  timer: TimerHandle | undefined;
}

export class Supervision implements Feature {
  readonly #context: FeatureContext;
  readonly #watched = new Map<string, Watched>();
  #pending: PendingRaise[] = [];
  /** The raise under way, and its promise (a stop waits for it, so that what it made durable is written down). */
  #raising: { raise: PendingRaise; done: Promise<void> } | undefined;
  #retry: TimerHandle | undefined;
  #failures = 0;
  #saveTimer: TimerHandle | undefined;
  #stopped = false;

  constructor(sources: readonly WatchedSource[], context: FeatureContext) {
    this.#context = context;
    for (const source of sources) {
      this.#watched.set(source.key, { source, facts: { heard: 0, mailed: false, silent: false }, deadline: 0, timer: undefined });
    }
  }

  async start(): Promise<void> {
    const saved = await this.#load();
    const now = this.#context.now();
    // The bridge heard nothing while it was down: a mail may have come then. The first restart since a source's last
    // mail gives it a whole interval from now (no false alarm for a report missed during an update); each later one
    // adds only the time the bridge was down, so a bridge that restarts every day cannot keep a dead panel "alive".
    const down = saved?.upUntil === undefined ? 0 : Math.max(0, now - saved.upUntil);
    for (const watched of this.#watched.values()) {
      watched.facts = saved?.sources[watched.source.key] ?? { heard: now, mailed: false, silent: false };
      this.#context.entities.declare(watched.source.entity, entityState(watched.source, watched.facts));
      const { heard, restartDeadline } = watched.facts;
      const whole = Math.max(heard, now) + watched.source.silentAfterMs;
      watched.facts.restartDeadline = restartDeadline === undefined ? whole : Math.min(whole, restartDeadline + down);
      // A silence told before the stop stays on until the source's next mail, without a second event.
      if (!watched.facts.silent) this.#watch(watched, watched.facts.restartDeadline);
    }
    this.#context.timers.setInterval(() => void this.#save(), upUntilSaveMs);
    this.#pending = (saved?.pending ?? []).filter((raise) => this.#watched.has(raise.source));
    this.#context.bus.on('event', (event) => {
      const key = sourceKeyOf(event);
      const watched = key === undefined ? undefined : this.#watched.get(key);
      if (watched) this.#heard(watched);
    });
    void this.#save();
    void this.#raiseNext();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#raising?.done;
    await this.#save();
  }

  /** Waits until `deadline` (in parts, for intervals past a timer's reach), then finds the source silent. */
  #watch(watched: Watched, deadline: number): void {
    const { timers, now } = this.#context;
    if (watched.timer) timers.clear(watched.timer);
    watched.deadline = deadline;
    watched.timer = timers.setTimeout(
      () => {
        watched.timer = undefined;
        if (this.#context.now() >= watched.deadline) this.#silent(watched);
        else this.#watch(watched, watched.deadline);
      },
      Math.min(Math.max(0, deadline - now()), maxTimerMs),
    );
  }

  #silent(watched: Watched): void {
    const now = this.#context.now();
    const { source, facts } = watched;
    facts.silent = true;
    this.#context.entities.update(source.entity.id, entityState(source, facts));
    this.#pending.push({ source: source.key, kind: 'silent', since: facts.heard, at: now });
    this.#context.log.warn(
      { source: source.key, silentForS: Math.round((now - facts.heard) / 1000) },
      `${source.name} silent: nothing heard within its interval`,
    );
    void this.#save();
    void this.#raiseNext();
  }

  #heard(watched: Watched): void {
    const now = this.#context.now();
    const { source, facts } = watched;
    const since = facts.heard;
    facts.heard = now;
    facts.mailed = true;
    delete facts.restartDeadline;
    if (facts.silent) {
      facts.silent = false;
      // A silence whose event never became durable (the disk was full) is not told at all, nor is its end.
      const untold = this.#pending.findIndex(
        (raise) => raise.source === source.key && raise.kind === 'silent' && raise !== this.#raising?.raise,
      );
      if (untold >= 0) this.#pending.splice(untold, 1);
      else this.#pending.push({ source: source.key, kind: 'back', since, at: now });
      this.#context.log.info({ source: source.key, silentForS: Math.round((now - since) / 1000) }, `${source.name} heard again`);
      void this.#save();
    } else {
      this.#saveSoon();
    }
    this.#context.entities.update(source.entity.id, entityState(source, facts));
    this.#watch(watched, now + source.silentAfterMs);
    void this.#raiseNext();
  }

  /** Raises the oldest pending event; after a failure, all of them wait for the retry, in order. */
  async #raiseNext(): Promise<void> {
    const next = this.#pending[0];
    if (!next || this.#raising || this.#retry || this.#stopped) return;
    const watched = this.#watched.get(next.source);
    if (!watched) return;
    const draft =
      next.kind === 'silent' ? silentDraft(watched.source, next.since, next.at) : backDraft(watched.source, next.since, next.at);
    const { log, raise } = this.#context;
    let settle = () => {};
    this.#raising = { raise: next, done: new Promise((resolve) => (settle = resolve)) };
    try {
      const eventId = await raise(draft);
      this.#failures = 0;
      log.info({ eventId, source: next.source, type: draft.type }, `raised ${draft.type}`);
      this.#forget(next);
    } catch (error) {
      if (error instanceof FeatureStopped) return;
      if (error instanceof RaisedEventInvalid) {
        // A bug of this feature, not of the disk: trying again would block every later event.
        log.error({ err: error, source: next.source }, `cannot raise ${draft.type}: dropped`);
        this.#forget(next);
      } else {
        this.#failed(next, error);
        return;
      }
    } finally {
      this.#raising = undefined;
      settle();
    }
    void this.#raiseNext();
  }

  #failed(raise: PendingRaise, error: unknown): void {
    this.#failures += 1;
    const delay = Math.min(retryFirstMs * 2 ** (this.#failures - 1), retryMaxMs);
    this.#context.log[this.#failures === 1 ? 'warn' : 'debug'](
      { err: error, source: raise.source, retryInS: delay / 1000 },
      'cannot raise a supervision event: tried again later',
    );
    // A silence that never became durable and has ended meanwhile (its `back` waits behind it) is told neither way.
    const index = this.#pending.indexOf(raise);
    const back = this.#pending.findIndex((later, at) => at > index && later.source === raise.source && later.kind === 'back');
    if (raise.kind === 'silent' && back >= 0) {
      this.#pending.splice(back, 1);
      this.#forget(raise);
    }
    this.#retry = this.#context.timers.setTimeout(() => {
      this.#retry = undefined;
      void this.#raiseNext();
    }, delay);
  }

  #forget(raise: PendingRaise): void {
    this.#pending = this.#pending.filter((pending) => pending !== raise);
    void this.#save();
  }

  async #load(): Promise<Saved | undefined> {
    try {
      const raw = await this.#store().read();
      if (raw === undefined) return undefined;
      const saved = savedSchema.safeParse(raw);
      if (saved.success) return saved.data;
      this.#context.log.warn('supervision state not readable: every source is watched afresh');
    } catch (error) {
      this.#context.log.warn({ err: error }, 'cannot read the supervision state: every source is watched afresh');
    }
    return undefined;
  }

  /** Writes what is known now; a failing disk is told once and the newest state written when it can (StateFile). */
  #save(): Promise<void> {
    if (this.#saveTimer) this.#context.timers.clear(this.#saveTimer);
    this.#saveTimer = undefined;
    const saved: Saved = {
      sources: Object.fromEntries([...this.#watched.values()].map(({ source, facts }) => [source.key, { ...facts }])),
      pending: this.#pending,
      upUntil: this.#context.now(),
    };
    return this.#store().save(saved, {
      failed: (error) => this.#context.log.warn({ err: error }, 'cannot keep the supervision state (tried again later)'),
      recovered: () => this.#context.log.info('supervision state kept again'),
    });
  }

  #saveSoon(): void {
    this.#saveTimer ??= this.#context.timers.setTimeout(() => void this.#save(), heardSaveMs);
  }

  #store() {
    return this.#context.store<Saved>('state');
  }
}
