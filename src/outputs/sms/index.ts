// The SMS output: each (event, number) becomes a durable job in the shared outbox (outputs/outbox), which sends
// a few numbers at once and in order per number, retries with backoff, records a final answer once and folds
// floods into a summary. What is SMS here: the recipients, the GSM-friendly text cut to its parts, the provider and
// its fallback (failover.ts).
import type { AlarmEvent } from '../../core/event.js';
import { maskNumber } from '../../core/mask.js';
import type { Logger } from '../../log.js';
import type { JobStore } from '../../spool/job-store.js';
import { newJob, Outbox, type OutboxJob, type OutboxProgress, type OutboxResult, type OutboxSettings } from '../outbox/outbox.js';
import type { DeliveryReceipt, Output } from '../output.js';
import { renderTemplate } from '../template.js';
import { Failover, type FailoverNote, type SmsJob } from './failover.js';
import type { SmsProviders } from './providers/load.js';
import { type SmsRouting, smsRecipients } from './routing.js';
import { fitToParts, toGsmFriendly } from './text.js';

export type { SmsJob } from './failover.js';

/** A final answer, published on `<prefix>/sms/last`. Numbers only masked. */
export interface SmsResult extends OutboxResult {
  recipient: string;
  /** The provider that delivered it (or last tried): `cm`, `twilio`, `none` in dry-run. */
  provider: string;
  /** Present when the primary did not deliver it and the fallback took it: why. */
  failover?: FailoverNote;
}

export type FinishedSmsJob = SmsJob & { outcome: SmsResult };

export interface SmsSettings extends SmsRouting, OutboxSettings {
  template: string;
  maxParts: number;
  /** How long the primary may stay unreachable for an SMS before the fallback takes it (with a fallback only). */
  failoverAfterMs?: number;
}

export interface SmsDependencies {
  providers: SmsProviders;
  jobs: JobStore<SmsJob, FinishedSmsJob>;
  log: Logger;
  /** A service's error text as it may be logged or published (OutputContext.maskText). */
  maskText: (text: string) => string;
  /** Every final answer, for the delivery health shown in Home Assistant. Must not block. */
  onResult: (result: SmsResult) => void;
  /**
   * Whether there is a delivery problem, on each change and once at start: an SMS waits for a retry (provider
   * unreachable, busy or 5xx), the last SMS to some number failed, or the last one went through the fallback because
   * the primary could not deliver it. Must not block.
   */
  onProblem: (problem: boolean) => void;
  now?: () => number;
  /** Where each SMS stands (`message` on the bus). Must not block. */
  onProgress?: (progress: OutboxProgress) => void;
  /** Told the outbox's depth (`outbox/sms` on the bus); closed at stop. */
  backlog?: { set(depth: number): void; close(): void };
}

export class SmsOutput implements Output {
  readonly name = 'sms';
  readonly #settings: SmsSettings;
  readonly #now: () => number;
  readonly #outbox: Outbox<SmsJob, SmsResult>;
  readonly #log: Logger;
  readonly #deps: SmsDependencies;
  /** The outbox's own problem: a retry waits, or a number's last SMS failed. */
  #outboxProblem = false;
  /** The last SMS the primary should have sent went through the fallback: until one goes through the primary again. */
  #primaryFailing = false;
  #problemReported: boolean | undefined;

  constructor(settings: SmsSettings, deps: SmsDependencies) {
    this.#settings = settings;
    this.#log = deps.log;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    const failover = new Failover({
      ...deps.providers,
      failoverAfterMs: settings.failoverAfterMs ?? Number.POSITIVE_INFINITY,
      jobs: deps.jobs,
      log: deps.log,
      maskText: deps.maskText,
      now: this.#now,
    });
    const { primary } = deps.providers;
    this.#outbox = new Outbox<SmsJob, SmsResult>(settings, {
      // Worded as before the outbox was shared: automations match this text.
      duplicateError: 'same text to the same number within 60 s',
      noun: 'SMS',
      jobs: deps.jobs,
      log: deps.log,
      now: this.#now,
      send: (job) => failover.send(job, { to: job.to, text: job.text, maxParts: settings.maxParts, reference: job.id }),
      latestRetry: (job) => failover.latestRetry(job),
      progressDetails: (job) => ({ provider: failover.providerOf(job).name }),
      summarize: (folded) => ({
        text: fitToParts(
          `+${folded.length} more event${folded.length === 1 ? '' : 's'}: ${folded.map((job) => job.text).join(' | ')}`,
          settings.maxParts,
        ),
      }),
      // Key order as published on `<prefix>/sms/last`: time, recipient, provider, then the outcome.
      toResult: (job, { time, ...outcome }) => ({
        time,
        recipient: maskNumber(job.to),
        provider: failover.providerOf(job).name,
        ...outcome,
        ...(job.failover ? { failover: job.failover } : {}),
      }),
      mask: maskNumber,
      maskText: deps.maskText,
      onResult: (result) => {
        if (result.failover && result.result === 'sent') this.#primaryFailing = true;
        else if (result.result === 'sent' && result.provider === primary.name) this.#primaryFailing = false;
        deps.onResult(result);
        this.#reportProblem();
      },
      onProblem: (problem) => {
        this.#outboxProblem = problem;
        this.#reportProblem();
      },
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      backlog: deps.backlog,
    });
  }

  /** Resumes pending jobs and rebuilds the hourly window from what was sent in the last hour. */
  async start(): Promise<void> {
    await this.#outbox.start();
  }

  /** Only stores the jobs: sending happens apart, so MQTT and intake never wait for a provider. */
  async deliver(event: AlarmEvent): Promise<DeliveryReceipt> {
    const now = this.#now();
    const text = fitToParts(toGsmFriendly(renderTemplate(this.#settings.template, event)), this.#settings.maxParts);
    const { numbers, unreadable } = smsRecipients(event, this.#settings);
    for (const target of unreadable)
      this.#log.warn({ mailId: event.id, to: maskNumber(target) }, 'SMS target of the event is no valid phone number, skipped');
    const jobs = numbers.map((to) => newJob(event.id, to, text, now, this.#settings.retryForMs));
    await this.#outbox.add(jobs);
    return { messages: jobs.length };
  }

  /** SMS of these events that have not gone out finish `suppressed` with the reason (Outbox.withdraw). */
  async withdraw(eventIds: readonly string[], reason: string): Promise<void> {
    await this.#outbox.withdraw(eventIds, reason);
  }

  /** The jobs to this number stored since then, pending or finished: for the events a reply from it answers. */
  jobsTo(number: string, sinceMs: number): Promise<OutboxJob[]> {
    return this.#outbox.jobsTo(number, sinceMs);
  }

  async stop(): Promise<void> {
    await this.#outbox.stop();
  }

  #reportProblem(): void {
    const problem = this.#outboxProblem || this.#primaryFailing;
    if (problem === this.#problemReported) return;
    this.#problemReported = problem;
    this.#deps.onProblem(problem);
  }
}
