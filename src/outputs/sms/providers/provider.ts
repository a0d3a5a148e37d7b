// The contract of an SMS provider adapter, and its two ways to fail (as grammY does it):
// the provider answered "no" (permanent, never retried) or could not be reached (temporary, retried).
import { DeliveryRejected, DeliveryUnreachable } from '../../outbox/failures.js';

export interface SmsMessage {
  /** E.164. */
  to: string;
  text: string;
  /** Upper bound of parts the provider may split the text into. */
  maxParts: number;
  /** Our job id, passed as the provider's reference where it has one. */
  reference: string;
}

export interface SendResult {
  messageId: string | null;
  /** Nothing went out (no provider configured): the result is `dry_run`, never `sent`. */
  dryRun?: boolean;
}

export interface SmsProvider {
  readonly name: 'cm' | 'twilio' | 'none';
  /** Resolves with the provider's message id; throws ProviderRejected or ProviderUnreachable. */
  send(message: SmsMessage): Promise<SendResult>;
}

/** The provider refused: wrong number, no credit, bad token. Retrying would only repeat the answer. */
export class ProviderRejected extends DeliveryRejected {
  /**
   * The refusal is the account's or its sender's (no credit, a bad token, a suspended account), not the number's or
   * the text's: another provider may deliver it (`sms.fallback_provider`).
   */
  readonly accountWide: boolean;
  constructor(code: string | number, message: string, options?: ErrorOptions & { accountWide?: boolean }) {
    super(code, message, options);
    this.accountWide = options?.accountWide ?? false;
  }
}

/** The provider could not be reached or asked us to come back later (network, timeout, 429, 5xx). */
export class ProviderUnreachable extends DeliveryUnreachable {}

/**
 * Every request to a provider ends within this time, answered or not: a gateway that takes the connection and
 * stalls would otherwise hold its SMS, and every later one to the same number, with no retry and no log line.
 */
export const providerTimeoutMs = 15_000;

/**
 * The axios request options (both SDKs use axios) that bound one request in all: the signal aborts it, also while
 * an answer trickles in, which the socket idle timeout alone never notices. Made per request: a signal fires once.
 */
export function boundedRequest(timeoutMs: number): { timeout: number; signal: AbortSignal } {
  return { timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) };
}

/**
 * A request that never got an answer. The message names the provider only; the cause carries the socket's own
 * words, which the logger appends once. Axios wraps the socket error in one with the same message, so the wrapper
 * is skipped: kept, the log would say "ECONNREFUSED …: ECONNREFUSED …". A request cut off by its time bound says
 * so, with the code `timeout` (as Telegram's does).
 */
export function unreachable(provider: string, error: unknown, timeoutMs: number): ProviderUnreachable {
  if (timedOut(error))
    return new ProviderUnreachable('timeout', `${provider} not reachable`, { cause: new Error(`no answer within ${timeoutMs / 1000} s`) });
  const { code } = error as { code?: unknown };
  return new ProviderUnreachable(typeof code === 'string' ? code : 'network', `${provider} not reachable`, {
    cause: innermostSaying(error),
  });
}

/** Axios' own timeout (ECONNABORTED, or ETIMEDOUT with clarifyTimeoutError), or the abort of `boundedRequest`'s signal. */
function timedOut(error: unknown): boolean {
  const { code, config } = (error ?? {}) as { code?: unknown; config?: { signal?: AbortSignal } };
  return (
    code === 'ECONNABORTED' ||
    code === 'ETIMEDOUT' ||
    (code === 'ERR_CANCELED' && (config?.signal?.reason as { name?: unknown } | undefined)?.name === 'TimeoutError')
  );
}

function innermostSaying(error: unknown): unknown {
  let current = error;
  for (let next = causeOf(current); next && messageOf(current).includes(messageOf(next)); next = causeOf(current)) current = next;
  return current;
}

function causeOf(error: unknown): Error | undefined {
  const { cause } = (error ?? {}) as { cause?: unknown };
  return cause instanceof Error ? cause : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
