// The contract of an SMS provider adapter, and its two ways to fail (as grammY does it):
// the provider answered "no" (permanent, never retried) or could not be reached (temporary, retried).

export interface SmsMessage {
  /** E.164. */
  to: string;
  text: string;
  /** Upper bound of parts the provider may split the text into. */
  maxParts: number;
  /** Our job id, passed as the provider's reference where it has one. */
  reference: string;
}

export interface SmsProvider {
  readonly name: 'cm' | 'twilio' | 'none';
  /** Resolves with the provider's message id; throws ProviderRejected or ProviderUnreachable. */
  send(message: SmsMessage): Promise<{ messageId: string | null }>;
}

/** A provider failure with the provider's own code (e.g. Twilio 21211, CM 101), shown in Home Assistant. */
abstract class ProviderError extends Error {
  readonly code: string;
  constructor(code: string | number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = String(code);
  }
}

/** The provider refused: wrong number, no credit, bad token. Retrying would only repeat the answer. */
export class ProviderRejected extends ProviderError {}

/** The provider could not be reached or asked us to come back later (network, timeout, 429, 5xx). */
export class ProviderUnreachable extends ProviderError {}
