// Which provider an SMS goes through: the primary, or once and for good the fallback (`sms.fallback_provider`) when
// the primary refused it for a reason that is the account's (no credit, a bad token, a suspended account) or stayed
// unreachable for `failover_after`. A job switches at most once and never back, so no SMS is sent by both; a number
// the primary calls invalid stays failed. The switch is stored before the fallback is asked, so a restart keeps it.
import { maskNumber } from '../../core/mask.js';
import type { Logger } from '../../log.js';
import type { JobStore } from '../../spool/job-store.js';
import { DeliveryUnreachable, withCauses } from '../outbox/failures.js';
import type { OutboxJob } from '../outbox/outbox.js';
import type { SendResult, SmsMessage, SmsProvider } from './providers/provider.js';
import { ProviderRejected } from './providers/provider.js';

/** Why the primary did not deliver an SMS that went through the fallback; published with its result. */
export interface FailoverNote {
  /** The primary's name. */
  from: string;
  /** The primary's code: CM `102`, Twilio `20003`, `timeout`, `ECONNREFUSED`. */
  error_code: string;
  /** The primary's words, masked. */
  error: string;
}

export interface SmsJob extends OutboxJob {
  /** The fallback's name once the job went to it; absent while it belongs to the primary. */
  provider?: string;
  /** When the primary was first found unreachable for this job (ms since the epoch); kept across restarts. */
  unreachableSince?: number;
  /** Why it left the primary. */
  failover?: FailoverNote;
}

export interface FailoverParts {
  primary: SmsProvider;
  fallback?: SmsProvider | undefined;
  /** How long the primary may stay unreachable for a job before the fallback takes it. */
  failoverAfterMs: number;
  jobs: JobStore<SmsJob, SmsJob & { outcome: unknown }>;
  log: Logger;
  maskText: (text: string) => string;
  now: () => number;
}

export class Failover {
  readonly #parts: FailoverParts;

  constructor(parts: FailoverParts) {
    this.#parts = parts;
  }

  /** The provider a job goes (or went) through. */
  providerOf(job: SmsJob): SmsProvider {
    const { primary, fallback } = this.#parts;
    return fallback && job.provider === fallback.name ? fallback : primary;
  }

  /** Sends through the job's provider; hands the job to the fallback within the same attempt when it should. */
  async send(job: SmsJob, message: SmsMessage): Promise<SendResult> {
    const provider = this.providerOf(job);
    try {
      return await provider.send(message);
    } catch (error) {
      const { fallback, jobs, log, maskText } = this.#parts;
      if (!fallback || !this.#leavesPrimary(job, error)) throw error;
      const { code } = error as { code?: string };
      job.provider = fallback.name;
      job.failover = { from: provider.name, error_code: code ?? 'unreachable', error: maskText(withCauses(error)) };
      await jobs.put(job);
      log.warn(
        { mailId: job.eventId, to: maskNumber(job.to), from: provider.name, via: fallback.name, code, reason: job.failover.error },
        `SMS goes through the fallback provider ${fallback.name}`,
      );
      return fallback.send(message);
    }
  }

  /**
   * The latest moment the next attempt of a job may come: its failover time while the primary is unreachable, so that
   * the backoff does not carry it past `failover_after`. Undefined when nothing is due.
   */
  latestRetry(job: SmsJob): number | undefined {
    if (!this.#parts.fallback || job.provider !== undefined || job.unreachableSince === undefined) return undefined;
    return job.unreachableSince + this.#parts.failoverAfterMs;
  }

  #leavesPrimary(job: SmsJob, error: unknown): boolean {
    if (job.provider !== undefined) return false;
    if (error instanceof ProviderRejected) return error.accountWide;
    if (!(error instanceof DeliveryUnreachable)) return false;
    const now = this.#parts.now();
    job.unreachableSince ??= now;
    return now - job.unreachableSince >= this.#parts.failoverAfterMs;
  }
}
