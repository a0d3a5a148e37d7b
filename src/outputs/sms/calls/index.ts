// Voice calls to the numbers a raised event names in `to.call` (an escalation level's): each (event, number) a
// durable job in the shared outbox (`outbox/call` in data_dir), placed once, retried with backoff while Twilio cannot
// be reached, withdrawn like a message. A call counts as done once Twilio queued it; whether the phone was answered
// is Twilio's call log's to tell.
import type { AlarmEvent } from '../../../core/event.js';
import { maskNumber } from '../../../core/mask.js';
import type { Logger } from '../../../log.js';
import type { JobStore } from '../../../spool/job-store.js';
import { newJob, Outbox, type OutboxJob, type OutboxProgress, type OutboxResult, type OutboxSettings } from '../../outbox/outbox.js';
import { readTargets } from '../routing.js';
import { type CallLanguage, callLanguage, callScript } from './script.js';
import type { TwilioCaller } from './twilio-caller.js';

export interface CallJob extends OutboxJob {
  /** `text` is what the call says; in this language. */
  language: CallLanguage;
}

export interface CallResult extends OutboxResult {
  recipient: string;
}

export type FinishedCallJob = CallJob & { outcome: CallResult };

export interface CallSettings extends OutboxSettings {
  defaultRegion: string;
}

export interface CallDependencies {
  caller: TwilioCaller;
  jobs: JobStore<CallJob, FinishedCallJob>;
  log: Logger;
  maskText: (text: string) => string;
  now?: () => number;
  /** Where each call stands (`message` on the bus, output `call`). Must not block. */
  onProgress?: (progress: OutboxProgress) => void;
  /** Told the outbox's depth (`outbox/call` on the bus); closed at stop. */
  backlog?: { set(depth: number): void; close(): void };
}

export class VoiceCalls {
  readonly #settings: CallSettings;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #outbox: Outbox<CallJob, CallResult>;

  constructor(settings: CallSettings, deps: CallDependencies) {
    this.#settings = settings;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    this.#outbox = new Outbox<CallJob, CallResult>(settings, {
      noun: 'voice call',
      jobs: deps.jobs,
      log: deps.log,
      now: this.#now,
      send: async (job) => ({ messageId: await deps.caller.call(job.to, callScript(job.text, job.language)) }),
      fingerprint: (job) => `${job.language}\n${job.text}`,
      duplicateError: 'same call to the same number within 60 s',
      summarize: (folded) => ({ text: folded.map((job) => job.text).join('. ') }),
      toResult: (job, { time, ...outcome }) => ({ time, recipient: maskNumber(job.to), ...outcome }),
      mask: maskNumber,
      maskText: deps.maskText,
      // Calls have no entity of their own in Home Assistant: their results are the `message` facts and the log.
      onResult: () => undefined,
      onProblem: () => undefined,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      backlog: deps.backlog,
    });
  }

  async start(): Promise<void> {
    await this.#outbox.start();
  }

  /** Stores a call job per number in the event's `to.call`; resolves with how many. */
  async deliver(event: AlarmEvent): Promise<number> {
    const { numbers, unreadable } = readTargets(event.to?.call ?? [], this.#settings.defaultRegion);
    for (const target of unreadable)
      this.#log.warn({ mailId: event.id, to: maskNumber(target) }, 'call target of the event is no valid phone number, skipped');
    const now = this.#now();
    const language = callLanguage(event.details);
    const jobs = numbers.map((to) => ({ ...newJob(event.id, to, event.text, now, this.#settings.retryForMs), language }));
    await this.#outbox.add(jobs);
    return jobs.length;
  }

  /** Calls of these events not yet placed finish `suppressed` with the reason (Outbox.withdraw). */
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
}
