// The SMS output: each (event, number) becomes a durable job before the first attempt; the outbox works
// through the jobs, a few numbers at once and in order per number, with backoff on temporary failures, a final
// answer recorded once, and flood limits.
import { createHash } from 'node:crypto';
import type { AlarmEvent } from '../../core/event.js';
import type { Logger } from '../../log.js';
import { maskNumber } from '../../core/mask.js';
import type { JobStore } from '../../spool/job-store.js';
import type { Output } from '../output.js';
import { WakeSignal } from '../../wake-signal.js';
import { FloodGate } from './flood-gate.js';
import { ProviderRejected, type SmsProvider } from './providers/provider.js';
import { smsRecipients, type SmsRouting } from './routing.js';
import { fitToParts, renderTemplate, toGsmFriendly } from './text.js';

export interface SmsJob {
  /** `<event id>_<hash of the number>`: one job per event and number, so a replay finds it. */
  id: string;
  eventId: string;
  /** E.164. */
  to: string;
  text: string;
  createdAt: number;
  /** Temporary failures are retried until then. */
  deadline: number;
  attempts: number;
  notBefore: number;
  /** Over the hourly limit: waits to be folded into a summary. */
  held: boolean;
  /** For a summary: the held jobs it stands for. */
  folds?: string[];
}

/** A final answer, published on `<prefix>/sms/last`. Numbers only masked. */
export interface SmsResult {
  time: string;
  recipient: string;
  provider: string;
  /** `dry_run`: no provider is configured, the text was only logged. */
  result: 'sent' | 'dry_run' | 'failed' | 'suppressed';
  message_id?: string | null;
  error_code?: string;
  error?: string;
}

export type FinishedSmsJob = SmsJob & { outcome: SmsResult };

export interface SmsSettings extends SmsRouting {
  template: string;
  maxParts: number;
  maxPerHour: number;
  retryForMs: number;
  /** First delay after a temporary failure; it doubles per attempt up to `maxRetryDelayMs`. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
}

export interface SmsDependencies {
  provider: SmsProvider;
  jobs: JobStore<SmsJob, FinishedSmsJob>;
  log: Logger;
  /** Every final answer, for the delivery health shown in Home Assistant. Must not block. */
  onResult: (result: SmsResult) => void;
  /**
   * Whether there is a delivery problem, on each change and once at start: an SMS waits for a retry (provider
   * unreachable, busy or 5xx), or the last SMS to some number failed. Must not block.
   */
  onProblem: (problem: boolean) => void;
  now?: () => number;
}

const hourMs = 60 * 60 * 1000;
/** Numbers sent to at once; a provider's rate limit (429) is retried like any temporary failure. */
const parallelNumbers = 4;
const keepFinishedMs = 7 * 24 * hourMs;
const finishedMessages: Record<SmsResult['result'], string> = {
  sent: 'SMS sent',
  dry_run: 'SMS not sent: dry-run',
  failed: 'SMS failed',
  suppressed: 'SMS suppressed',
};

export class SmsOutput implements Output {
  readonly name = 'sms';
  readonly #settings: SmsSettings;
  readonly #deps: SmsDependencies;
  readonly #now: () => number;
  readonly #gate: FloodGate;
  #jobs: SmsJob[] = [];
  /** Numbers whose last final answer was a failure; a later SMS sent to the number clears it. */
  readonly #failedNumbers = new Set<string>();
  #problemReported: boolean | undefined;
  #stopped = false;
  readonly #signal = new WakeSignal();
  #loop: Promise<void> | undefined;

  constructor(settings: SmsSettings, deps: SmsDependencies) {
    this.#settings = settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#gate = new FloodGate(settings.maxPerHour, this.#now);
  }

  /** Resumes pending jobs and rebuilds the hourly window from what was sent in the last hour. */
  async start(): Promise<void> {
    await this.#deps.jobs.open();
    for (const done of await this.#deps.jobs.doneSince(this.#now() - hourMs, keepFinishedMs)) {
      if (done.outcome.result === 'sent' || done.outcome.result === 'dry_run') this.#gate.record(done.to, done.text, Date.parse(done.outcome.time));
    }
    this.#jobs = (await this.#deps.jobs.pending()).sort((a, b) => a.createdAt - b.createdAt);
    if (this.#jobs.length > 0) this.#deps.log.info({ pending: this.#jobs.length }, 'resuming SMS jobs');
    this.#reportProblem();
    this.#loop = this.#run();
  }

  /** Only stores the jobs: sending happens apart, so MQTT and intake never wait for a provider. */
  async deliver(event: AlarmEvent): Promise<void> {
    const now = this.#now();
    const text = fitToParts(toGsmFriendly(renderTemplate(this.#settings.template, event)), this.#settings.maxParts);
    for (const to of smsRecipients(event, this.#settings)) {
      // The number is hashed into the id: ids reach logs, MQTT and the provider's reference field.
      const id = `${event.id}_${createHash('sha256').update(to).digest('hex').slice(0, 12)}`;
      if (this.#jobs.some((job) => job.id === id) || (await this.#deps.jobs.has(id))) continue; // a replay
      const job: SmsJob = { id, eventId: event.id, to, text, createdAt: now, deadline: now + this.#settings.retryForMs, attempts: 0, notBefore: now, held: false };
      await this.#deps.jobs.put(job);
      this.#jobs.push(job);
    }
    this.#signal.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signal.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const waitMs = await this.#work();
        if (this.#stopped) break;
        await this.#signal.sleep(waitMs);
      } catch (error) {
        this.#deps.log.error({ err: error }, 'SMS outbox failed, retrying');
        await this.#signal.sleep(this.#settings.retryBaseMs);
      }
    }
  }

  /** Does what is due; returns how long until something else is. */
  async #work(): Promise<number | undefined> {
    await this.#foldHeld();
    // One lane per number, a few numbers at once: an alarm reaches every phone without waiting for the others'
    // requests, and messages to one number keep their order.
    const lanes = new Map<string, SmsJob[]>();
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
    const lanesEnded = await Promise.allSettled(Array.from({ length: Math.min(parallelNumbers, waiting.length) }, sender));
    const failed = lanesEnded.find((ended) => ended.status === 'rejected');
    if (failed) throw failed.reason;
    const next = this.#jobs.map((job) => (job.held ? this.#gate.nextSlot(job.to) : job.notBefore));
    return next.length === 0 ? undefined : Math.max(0, Math.min(...next) - this.#now());
  }

  /** The jobs to one number, oldest first: while one waits for its retry, the later ones wait behind it. */
  async #workLane(jobs: SmsJob[]): Promise<void> {
    for (const job of jobs) {
      if (this.#stopped) return;
      if (job.held) continue;
      if (job.notBefore > this.#now()) return;
      const decision = job.folds ? 'send' : this.#gate.decide(job.to, job.text);
      if (decision === 'duplicate') await this.#finish(job, { result: 'suppressed', error: 'same text to the same number within 60 s' });
      else if (decision === 'hold') await this.#hold(job);
      else await this.#attempt(job);
      if (this.#jobs.includes(job) && !job.held) return;
    }
  }

  async #attempt(job: SmsJob): Promise<void> {
    const { provider, log } = this.#deps;
    try {
      const { messageId, dryRun } = await provider.send({ to: job.to, text: job.text, maxParts: this.#settings.maxParts, reference: job.id });
      // A dry-run counts against the limits like a real SMS, so it shows what a provider would be asked to send.
      this.#gate.record(job.to, job.text);
      await this.#finish(job, dryRun ? { result: 'dry_run' } : { result: 'sent', message_id: messageId });
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (error instanceof ProviderRejected) return this.#finish(job, { result: 'failed', error_code: code, error: message });
      const attempts = job.attempts + 1;
      if (this.#now() >= job.deadline) {
        return this.#finish(job, { result: 'failed', error_code: code ?? 'unreachable', error: `gave up after ${attempts} attempts: ${withCauses(error)}` });
      }
      const delay = Math.min(this.#settings.maxRetryDelayMs, this.#settings.retryBaseMs * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
      Object.assign(job, { attempts, notBefore: this.#now() + delay });
      await this.#deps.jobs.put(job);
      log.warn({ mailId: job.eventId, to: maskNumber(job.to), attempt: attempts, retryInMs: Math.round(delay), err: error }, 'SMS not sent, will retry');
      this.#reportProblem();
    }
  }

  async #hold(job: SmsJob): Promise<void> {
    job.held = true;
    await this.#deps.jobs.put(job);
    this.#deps.log.warn({ mailId: job.eventId, to: maskNumber(job.to), maxPerHour: this.#settings.maxPerHour }, 'SMS held: hourly limit reached, will go out in a summary');
  }

  /** Once a number has room again, its held messages go out as one summary, and they are done. */
  async #foldHeld(): Promise<void> {
    const held = this.#jobs.filter((job) => job.held);
    for (const to of new Set(held.map((job) => job.to))) {
      if (this.#gate.nextSlot(to) > this.#now()) continue;
      const folded = held.filter((job) => job.to === to);
      const last = folded.at(-1);
      if (!last) continue;
      const text = fitToParts(`+${folded.length} more event${folded.length === 1 ? '' : 's'}: ${folded.map((job) => job.text).join(' | ')}`, this.#settings.maxParts);
      const now = this.#now();
      const summaryId = `${last.id}_summary`;
      // A crash after the summary was stored and before the held jobs were finished: do not send it twice.
      const alreadySummarized = this.#jobs.some((job) => job.id === summaryId) || (await this.#deps.jobs.has(summaryId));
      // Dated like the first held message, so the summary goes out before anything that came after.
      const createdAt = folded[0]?.createdAt ?? now;
      const summary: SmsJob = { ...last, id: summaryId, text, held: false, attempts: 0, notBefore: now, createdAt, deadline: now + this.#settings.retryForMs, folds: folded.map((job) => job.id) };
      if (!alreadySummarized) {
        await this.#deps.jobs.put(summary);
        this.#jobs.push(summary);
      }
      for (const job of folded) await this.#finish(job, { result: 'suppressed', error: `over ${this.#settings.maxPerHour} per hour: folded into a summary` });
    }
  }

  async #finish(job: SmsJob, outcome: Omit<SmsResult, 'time' | 'recipient' | 'provider'>): Promise<void> {
    const result: SmsResult = { time: new Date(this.#now()).toISOString(), recipient: maskNumber(job.to), provider: this.#deps.provider.name, ...outcome };
    await this.#deps.jobs.finish({ ...job, outcome: result });
    this.#jobs = this.#jobs.filter((candidate) => candidate.id !== job.id);
    const level = result.result === 'failed' ? 'error' : 'info';
    this.#deps.log[level]({ mailId: job.eventId, to: result.recipient, result: result.result, messageId: result.message_id, errorCode: result.error_code, error: result.error }, finishedMessages[result.result]);
    this.#deps.onResult(result);
    if (result.result === 'failed') this.#failedNumbers.add(job.to);
    if (result.result === 'sent' || result.result === 'dry_run') this.#failedNumbers.delete(job.to);
    this.#reportProblem();
  }

  /** Per number, so that one number's success does not hide another's failure; a restart forgets old failures. */
  #reportProblem(): void {
    const problem = this.#failedNumbers.size > 0 || this.#jobs.some((job) => job.attempts > 0);
    if (problem === this.#problemReported) return;
    this.#problemReported = problem;
    this.#deps.onProblem(problem);
  }
}

/**
 * "CM not reachable: connect ECONNREFUSED …": the message and its causes' messages, each said once. Provider texts
 * were masked where they were read (providers/); an IP address here is not a phone number and stays readable.
 */
function withCauses(error: unknown): string {
  const said: string[] = [];
  for (let current: unknown = error; current instanceof Error && said.length < 5; current = current.cause) {
    if (!said.some((earlier) => earlier.includes(current.message))) said.push(current.message);
  }
  return said.length > 0 ? said.join(': ') : String(error);
}
