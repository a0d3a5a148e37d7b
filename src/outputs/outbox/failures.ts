// The two ways a send can fail, for every output with an outbox (as grammY draws the line): the service answered
// "no" (permanent, never retried) or could not be reached / asked us to come back (temporary, retried).

/** A failure with the service's own code (Twilio 21211, CM 101, Telegram 403), shown in Home Assistant. */
abstract class DeliveryFailure extends Error {
  readonly code: string;
  constructor(code: string | number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = String(code);
  }
}

/** The service refused: wrong number, unknown chat, blocked bot, bad token. Retrying would only repeat the answer. */
export class DeliveryRejected extends DeliveryFailure {}

/** The service could not be reached or asked us to come back later (network, timeout, 429, 5xx). */
export class DeliveryUnreachable extends DeliveryFailure {
  /** When the service said when to come back (Telegram's `retry_after`): exactly then, instead of the backoff. */
  readonly retryAfterMs: number | undefined;
  /**
   * The service is fine and only asked us to slow down (HTTP 429, Twilio 20429): routine, retried as asked, so
   * the outbox tells it at info without a stack, not as a failure.
   */
  readonly throttled: boolean;
  constructor(code: string | number, message: string, options?: ErrorOptions & { retryAfterMs?: number; throttled?: boolean }) {
    super(code, message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.throttled = options?.throttled ?? false;
  }
}

/**
 * "CM not reachable: connect ECONNREFUSED …": the message and its causes' messages, each said once. Service texts
 * were masked where they were read; an IP address here is not a phone number and stays readable.
 */
export function withCauses(error: unknown): string {
  const said: string[] = [];
  for (let current: unknown = error; current instanceof Error && said.length < 5; current = current.cause) {
    if (!said.some((earlier) => earlier.includes(current.message))) said.push(current.message);
  }
  return said.length > 0 ? said.join(': ') : String(error);
}
