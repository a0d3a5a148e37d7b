// The durable outbox of every messaging output (SMS, Telegram): each (event, recipient) is a job stored before the
// first attempt; the outbox works through the jobs a few recipients at once and in order per recipient, retries
// temporary failures with backoff (or exactly after the wait the service asked for), records a final answer once,
// folds what the hourly limit holds back into one summary, and suppresses what is withdrawn before it went out.
import { createHash } from 'node:crypto';
import type { MessageProgress } from '../../core/bus.js';
import type { Logger } from '../../log.js';
import type { JobStore } from '../../spool/job-store.js';
import { WakeSignal } from '../../wake-signal.js';
import { DeliveryRejected, DeliveryUnreachable, withCauses } from './failures.js';
import { FloodGate } from './flood-gate.js';
import { Withdrawals } from './withdrawals.js';

export interface OutboxJob {
  /** `<event id>_<hash of the recipient>`: one job per event and recipient, so a replay finds it. */
  id: string;
  eventId: string;
  /** The recipient (an E.164 number, a chat id): one lane per recipient. Shown masked only. */
  to: string;
  text: string;
  createdAt: number;
  /** Temporary failures are retried until then. */
  deadline: number;
  attempts: number;
  notBefore: number;
  /** Over the hourly limit: waits to be folded into a summary. */
  held: boolean;
  /** Its last attempt was a rate limit the service answered as documented: a wait, not a delivery problem. */
  throttled?: boolean;
  /** For a summary: the held jobs it stands for. */
  folds?: string[];
  /** For a summary: the events of the held jobs it stands for (withdrawn only when all of them are). */
  foldedEvents?: string[];
}

/** A new job of an event for one recipient, due now. */
export function newJob(eventId: string, to: string, text: string, now: number, retryForMs: number): OutboxJob {
  // The recipient is hashed into the id: ids reach logs, MQTT and a provider's reference field.
  const id = `${eventId}_${createHash('sha256').update(to).digest('hex').slice(0, 12)}`;
  return { id, eventId, to, text, createdAt: now, deadline: now + retryForMs, attempts: 0, notBefore: now, held: false };
}

/** A final answer; an output adds its own fields (the masked recipient, the provider) to publish it. */
export interface Outcome {
  /** `dry_run`: nothing was configured to send with, the text was only logged. */
  result: 'sent' | 'dry_run' | 'failed' | 'suppressed';
  message_id?: string | null;
  error_code?: string;
  error?: string;
}

export interface OutboxResult extends Outcome {
  time: string;
}

/** A job's progress as the bus carries it, without the output's name. */
export type OutboxProgress = Omit<MessageProgress, 'output'>;

export interface OutboxSettings {
  maxPerHour: number;
  retryForMs: number;
  /** First delay after a temporary failure; it doubles per attempt up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
}

export interface OutboxParts<Job extends OutboxJob, Result extends OutboxResult> {
  /** What one job is called in log lines: `SMS`, `Telegram message`. */
  noun: string;
  jobs: JobStore<Job, Job & { outcome: Result }>;
  log: Logger;
  now: () => number;
  /** Sends one job; a DeliveryRejected is final, anything else is retried. */
  send(job: Job): Promise<{ messageId: string | null; dryRun?: boolean }>;
  /** The latest moment a job's next attempt may come, whatever the backoff says (an SMS due for its fallback). */
  latestRetry?(job: Job): number | undefined;
  /** What the output adds to a job's progress: the provider it goes through. */
  progressDetails?(job: Job): Pick<OutboxProgress, 'provider'>;
  /** What two identical messages have in common, for "the same message within a minute once"; the text by default. */
  fingerprint?(job: Job): string;
  /**
   * Which hourly budget of its recipient a job counts against; one budget per recipient by default. Held jobs fold
   * only with jobs of the same budget, so a flood of one kind (camera motion) never holds back another (an alarm).
   */
  budget?(job: Job): string;
  /** The `error` of a job suppressed as a duplicate; each output keeps its own wording (automations match it). */
  duplicateError: string;
  /** The summary that stands for the held jobs of one recipient: its text, and whatever else differs from the last one. */
  summarize(folded: readonly Job[]): Partial<Job> & { text: string };
  /** The published form of a final answer, the recipient masked. */
  toResult(job: Job, outcome: OutboxResult): Result;
  mask(to: string): string;
  /** A service's error text (which may echo a token or a number it was sent) as it may be published: see OutputContext. */
  maskText(text: string): string;
  /** Every final answer, for the delivery health shown in Home Assistant. Must not block. */
  onResult(result: Result): void;
  /**
   * Whether there is a delivery problem, on each change and once at start: a job waits for a retry, or the last
   * message to some recipient failed. Must not block.
   */
  onProblem(problem: boolean): void;
  /** Where each job stands, as it changes (stored, retrying, held, finally answered), for observers. Must not block. */
  onProgress?(progress: OutboxProgress): void;
  /** Told the number of jobs not finally answered on each change (coalesced, core/backlog.ts); closed at stop. */
  backlog?: { set(depth: number): void; close(): void };
}

const hourMs = 60 * 60 * 1000;
/** Recipients sent to at once; a rate limit (429) is retried like any temporary failure, and logged at info. */
const parallelRecipients = 4;
const keepFinishedMs = 7 * 24 * hourMs;

export class Outbox<Job extends OutboxJob, Result extends OutboxResult> {
  readonly #settings: OutboxSettings;
  readonly #parts: OutboxParts<Job, Result>;
  readonly #gate: FloodGate;
  #jobs: Job[] = [];
  /** Recipients whose last final answer was a failure; a later message sent to them clears it. */
  readonly #failedRecipients = new Set<string>();
  #problemReported: boolean | undefined;
  /**
   * Jobs the send loop is handling (sending, or storing a retry or a hold): a withdrawal leaves them to the loop,
   * which finishes them as their send ends, or suppresses them before their next attempt.
   */
  readonly #busy = new Set<string>();
  /** Jobs whose final answer is being recorded: a second answer (a withdrawal meeting a fold) is not recorded. */
  readonly #settling = new Set<string>();
  readonly #withdrawn = new Withdrawals();
  #stopped = false;
  readonly #signal = new WakeSignal();
  #loop: Promise<void> | undefined;

  constructor(settings: OutboxSettings, parts: OutboxParts<Job, Result>) {
    this.#settings = settings;
    this.#parts = parts;
    this.#gate = new FloodGate(settings.maxPerHour, parts.now);
  }

  /** Resumes pending jobs and rebuilds the hourly window from what was sent in the last hour. */
  async start(): Promise<void> {
    const { jobs, now, log, noun } = this.#parts;
    await jobs.open();
    for (const done of await jobs.doneSince(now() - hourMs, keepFinishedMs)) {
      if (done.outcome.result === 'sent' || done.outcome.result === 'dry_run')
        this.#gate.record(this.#budgetKey(done), this.#fingerprint(done), Date.parse(done.outcome.time));
    }
    this.#jobs = (await jobs.pending()).sort((a, b) => a.createdAt - b.createdAt);
    if (this.#jobs.length > 0) log.info({ pending: this.#jobs.length }, `resuming ${noun} jobs`);
    this.#reportProblem();
    this.#parts.backlog?.set(this.#jobs.length);
    this.#loop = this.#run();
  }

  /**
   * Stores the jobs of one event, except those whose id was ever created (a replay); sending happens apart. One
   * wake-up for all of them, so that the next round starts every recipient's lane at once.
   */
  async add(jobs: readonly Job[]): Promise<void> {
    for (const job of jobs) {
      if (this.#jobs.some((pending) => pending.id === job.id) || (await this.#parts.jobs.has(job.id))) continue;
      await this.#parts.jobs.put(job);
      this.#jobs.push(job);
      this.#parts.backlog?.set(this.#jobs.length);
      this.#progress(job, 'queued');
    }
    this.#signal.wake();
  }

  /**
   * The jobs of these events that have not gone out (stored, waiting for a retry, held) finish `suppressed` with the
   * reason; one whose send is under way finishes as its send ends (suppressed then only if it must be tried again).
   * The events are remembered, so that their jobs stored later are suppressed as well.
   */
  async withdraw(eventIds: readonly string[], reason: string): Promise<void> {
    this.#withdrawn.remember(eventIds, reason);
    for (const job of [...this.#jobs]) {
      const withdrawal = this.#withdrawal(job);
      if (withdrawal !== undefined && !this.#busy.has(job.id)) await this.#finish(job, { result: 'suppressed', error: withdrawal });
    }
    // The loop finishes those it was handling at its next round, not at their next attempt.
    this.#signal.wake();
  }

  /** The jobs to one recipient stored since then, pending or finished (the finished ones read from the store). */
  async jobsTo(to: string, sinceMs: number): Promise<Job[]> {
    const finished = await this.#parts.jobs.doneSince(sinceMs, keepFinishedMs);
    return [...this.#jobs, ...finished].filter((job) => job.to === to && job.createdAt >= sinceMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signal.wake();
    await this.#loop;
    this.#parts.backlog?.close();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const waitMs = await this.#work();
        if (this.#stopped) break;
        await this.#signal.sleep(waitMs);
      } catch (error) {
        this.#parts.log.error({ err: error }, `${this.#parts.noun} outbox failed, retrying`);
        await this.#signal.sleep(this.#settings.retryBaseMs);
      }
    }
  }

  /** Does what is due; returns how long until something else is. */
  async #work(): Promise<number | undefined> {
    await this.#foldHeld();
    // One lane per recipient, a few at once: an alarm reaches every phone or chat without waiting for the others'
    // requests, and messages to one recipient keep their order.
    const lanes = new Map<string, Job[]>();
    for (const job of [...this.#jobs].sort((a, b) => a.createdAt - b.createdAt)) {
      const lane = lanes.get(job.to);
      if (lane) lane.push(job);
      else lanes.set(job.to, [job]);
    }
    const waiting = [...lanes.values()];
    const sender = async () => {
      for (let lane = waiting.shift(); lane && !this.#stopped; lane = waiting.shift()) await this.#workLane(lane);
    };
    // Every lane ends before this round does, also when one fails: a send still running must not be started again.
    const lanesEnded = await Promise.allSettled(Array.from({ length: Math.min(parallelRecipients, waiting.length) }, sender));
    const failed = lanesEnded.find((ended) => ended.status === 'rejected');
    if (failed) throw failed.reason;
    const next = this.#jobs.map((job) => (job.held ? this.#gate.nextSlot(this.#budgetKey(job)) : job.notBefore));
    return next.length === 0 ? undefined : Math.max(0, Math.min(...next) - this.#parts.now());
  }

  /** The jobs to one recipient, oldest first: while one waits for its retry, the later ones wait behind it. */
  async #workLane(jobs: Job[]): Promise<void> {
    for (const job of jobs) {
      if (this.#stopped) return;
      if (this.#settling.has(job.id)) continue;
      const withdrawal = this.#withdrawal(job);
      if (withdrawal !== undefined) {
        await this.#finish(job, { result: 'suppressed', error: withdrawal });
        continue;
      }
      if (job.held) continue;
      if (job.notBefore > this.#parts.now()) return;
      const decision = job.folds ? 'send' : this.#gate.decide(this.#budgetKey(job), this.#fingerprint(job));
      this.#busy.add(job.id);
      try {
        if (decision === 'duplicate') await this.#finish(job, { result: 'suppressed', error: this.#parts.duplicateError });
        else if (decision === 'hold') await this.#hold(job);
        else await this.#attempt(job);
      } finally {
        this.#busy.delete(job.id);
      }
      if (this.#jobs.includes(job) && !job.held) return;
    }
  }

  async #attempt(job: Job): Promise<void> {
    const { log, now, noun } = this.#parts;
    try {
      const { messageId, dryRun } = await this.#parts.send(job);
      // A dry-run counts against the limits like a real message, so it shows what would be asked of the service.
      this.#gate.record(this.#budgetKey(job), this.#fingerprint(job));
      await this.#finish(job, dryRun ? { result: 'dry_run' } : { result: 'sent', message_id: messageId });
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (error instanceof DeliveryRejected) return this.#finish(job, { result: 'failed', error_code: code, error: message });
      // Withdrawn while this attempt was under way: it is not tried again.
      const withdrawal = this.#withdrawal(job);
      if (withdrawal !== undefined) return this.#finish(job, { result: 'suppressed', error: withdrawal });
      const attempts = job.attempts + 1;
      if (now() >= job.deadline) {
        return this.#finish(job, {
          result: 'failed',
          error_code: code ?? 'unreachable',
          error: `gave up after ${attempts} attempts: ${withCauses(error)}`,
        });
      }
      const askedMs = error instanceof DeliveryUnreachable ? error.retryAfterMs : undefined;
      const backoff =
        askedMs ?? Math.min(this.#settings.maxRetryDelayMs, this.#settings.retryBaseMs * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
      const latest = this.#parts.latestRetry?.(job);
      const delay = latest === undefined ? backoff : Math.max(0, Math.min(backoff, latest - now()));
      const throttled = error instanceof DeliveryUnreachable && error.throttled === true;
      Object.assign(job, { attempts, notBefore: now() + delay, throttled });
      await this.#parts.jobs.put(job);
      const retry = { mailId: job.eventId, to: this.#parts.mask(job.to), attempt: attempts, retryInMs: Math.round(delay) };
      // A rate limit answered as documented is the service working: a fact, not a failure with a stack.
      if (throttled) log.info({ ...retry, code, reason: message }, `${noun} throttled by the service, will retry`);
      else log.warn({ ...retry, err: error }, `${noun} not sent, will retry`);
      this.#progress(job, 'retrying', {
        nextAttempt: new Date(job.notBefore).toISOString(),
        reason: this.#parts.maskText(withCauses(error)),
      });
      this.#reportProblem();
    }
  }

  async #hold(job: Job): Promise<void> {
    job.held = true;
    await this.#parts.jobs.put(job);
    this.#parts.log.warn(
      { mailId: job.eventId, to: this.#parts.mask(job.to), maxPerHour: this.#settings.maxPerHour },
      `${this.#parts.noun} held: hourly limit reached, will go out in a summary`,
    );
    this.#progress(job, 'held', { reason: `over ${this.#settings.maxPerHour} per hour: goes out in a summary` });
  }

  /** Once a recipient's budget has room again, the messages it held go out as one summary, and they are done. */
  async #foldHeld(): Promise<void> {
    // A withdrawn job is finished as such in its lane, not folded into a summary that would still send its text.
    const held = this.#jobs.filter((job) => job.held && this.#withdrawal(job) === undefined);
    for (const key of new Set(held.map((job) => this.#budgetKey(job)))) {
      if (this.#gate.nextSlot(key) > this.#parts.now()) continue;
      const folded = held.filter((job) => this.#budgetKey(job) === key);
      const last = folded.at(-1);
      if (!last) continue;
      const now = this.#parts.now();
      const summaryId = `${last.id}_summary`;
      // A crash after the summary was stored and before the held jobs were finished: do not send it twice.
      const alreadySummarized = this.#jobs.some((job) => job.id === summaryId) || (await this.#parts.jobs.has(summaryId));
      if (!alreadySummarized) {
        // Dated like the first held message, so the summary goes out before anything that came after.
        const createdAt = folded[0]?.createdAt ?? now;
        const base = {
          ...last,
          id: summaryId,
          held: false,
          attempts: 0,
          notBefore: now,
          createdAt,
          deadline: now + this.#settings.retryForMs,
          folds: folded.map((job) => job.id),
          foldedEvents: [...new Set(folded.flatMap((job) => this.#eventsOf(job)))],
        };
        const summary: Job = { ...base, ...this.#parts.summarize(folded) };
        await this.#parts.jobs.put(summary);
        this.#jobs.push(summary);
        this.#parts.backlog?.set(this.#jobs.length);
        this.#progress(summary, 'queued');
      }
      for (const job of folded)
        await this.#finish(job, { result: 'suppressed', error: `over ${this.#settings.maxPerHour} per hour: folded into a summary` });
    }
  }

  async #finish(job: Job, outcome: Outcome): Promise<void> {
    // One final answer per job: a withdrawal meeting a fold, or a job finished meanwhile, records nothing more.
    if (this.#settling.has(job.id) || !this.#jobs.includes(job)) return;
    this.#settling.add(job.id);
    try {
      await this.#record(job, outcome);
    } finally {
      this.#settling.delete(job.id);
    }
  }

  async #record(job: Job, outcome: Outcome): Promise<void> {
    const { jobs, log, noun } = this.#parts;
    // The one place every final answer passes: its error quotes the service, so it is masked here for every output.
    const masked = outcome.error === undefined ? outcome : { ...outcome, error: this.#parts.maskText(outcome.error) };
    const result = this.#parts.toResult(job, { time: new Date(this.#parts.now()).toISOString(), ...masked });
    await jobs.finish({ ...job, outcome: result });
    this.#jobs = this.#jobs.filter((candidate) => candidate.id !== job.id);
    this.#parts.backlog?.set(this.#jobs.length);
    const level = result.result === 'failed' ? 'error' : 'info';
    log[level](
      {
        mailId: job.eventId,
        to: this.#parts.mask(job.to),
        ...this.#parts.progressDetails?.(job),
        result: result.result,
        messageId: result.message_id,
        errorCode: result.error_code,
        error: result.error,
      },
      finishedMessage(noun, result.result),
    );
    this.#parts.onResult(result);
    this.#progress(job, result.result, result.error === undefined ? {} : { reason: result.error });
    if (result.result === 'failed') this.#failedRecipients.add(job.to);
    if (result.result === 'sent' || result.result === 'dry_run') this.#failedRecipients.delete(job.to);
    this.#reportProblem();
  }

  #progress(job: Job, state: OutboxProgress['state'], more: Pick<OutboxProgress, 'nextAttempt' | 'reason'> = {}): void {
    this.#parts.onProgress?.({
      eventId: job.eventId,
      messageId: job.id,
      recipient: this.#parts.mask(job.to),
      state,
      time: new Date(this.#parts.now()).toISOString(),
      ...this.#parts.progressDetails?.(job),
      ...more,
    });
  }

  /** Why the job is withdrawn; undefined while it is wanted. A summary is withdrawn once every event it stands for is. */
  #withdrawal(job: Job): string | undefined {
    return this.#withdrawn.reasonFor(this.#eventsOf(job));
  }

  #eventsOf(job: Job): string[] {
    return job.foldedEvents ?? [job.eventId];
  }

  /** The flood gate's key: the recipient, and the budget when the output has more than one per recipient. */
  #budgetKey(job: Job): string {
    const budget = this.#parts.budget?.(job);
    return budget === undefined ? job.to : `${job.to}\u0000${budget}`;
  }

  #fingerprint(job: Job): string {
    return this.#parts.fingerprint?.(job) ?? job.text;
  }

  /** Per recipient, so that one's success does not hide another's failure; a restart forgets old failures. */
  #reportProblem(): void {
    const problem = this.#failedRecipients.size > 0 || this.#jobs.some((job) => job.attempts > 0 && !job.throttled);
    if (problem === this.#problemReported) return;
    this.#problemReported = problem;
    this.#parts.onProblem(problem);
  }
}

function finishedMessage(noun: string, result: Outcome['result']): string {
  switch (result) {
    case 'sent':
      return `${noun} sent`;
    case 'dry_run':
      return `${noun} not sent: dry-run`;
    case 'failed':
      return `${noun} failed`;
    case 'suppressed':
      return `${noun} suppressed`;
  }
}
