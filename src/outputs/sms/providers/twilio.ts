// Twilio through the official `twilio` SDK (`POST /2010-04-01/Accounts/{Sid}/Messages.json`, basic auth).
import type twilio from 'twilio';
import { maskNumbersIn } from '../../../core/mask.js';
import { ProviderRejected, ProviderUnreachable, type SmsMessage, type SmsProvider, unreachable } from './provider.js';
import { type TwilioAccount, twilioClient } from './twilio-client.js';

export interface TwilioSettings extends TwilioAccount {
  /** The From number; unused when a messaging service is set. */
  sender: string;
  messagingServiceSid: string;
}

/**
 * Refusals that are the account's or its sender's, not the number's or the text's (twilio.com/docs/api/errors): another
 * provider may deliver. 10001/20005 account not active (no funds, suspended), 20003 authentication failed, 21408 the
 * destination's region not enabled for the account, 21603 no From, 21606/21607 From not a message-capable number of
 * this account, 21608 a trial account's unverified destination.
 */
const accountRefusals = new Set([10001, 20003, 20005, 21408, 21603, 21606, 21607, 21608]);

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio';
  readonly #client: twilio.Twilio;
  readonly #settings: TwilioSettings;

  constructor(settings: TwilioSettings) {
    this.#settings = settings;
    this.#client = twilioClient(settings);
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    const from = this.#settings.messagingServiceSid
      ? { messagingServiceSid: this.#settings.messagingServiceSid }
      : { from: this.#settings.sender };
    try {
      const created = await this.#client.messages.create({ to: message.to, body: message.text, ...from });
      return { messageId: created.sid };
    } catch (error) {
      throw classifyFailure(error, this.#settings.timeoutMs, 'message');
    }
  }
}

/**
 * An SDK error as our two kinds of failure. Twilio's texts may quote the number (21211 "Invalid 'To' Phone Number:
 * +4917…"), so they are masked.
 */
export function classifyFailure(error: unknown, timeoutMs: number, what: string): Error {
  const { status, code, message: twilioMessage } = error as { status?: number; code?: number | string; message?: string };
  if (typeof status !== 'number') return unreachable('Twilio', error, timeoutMs);
  const message = maskNumbersIn(twilioMessage ?? '');
  // 20429 "Too Many Requests" is always safe to retry; 5xx is Twilio's side.
  if (status === 429 || code === 20429 || status >= 500)
    return new ProviderUnreachable(code ?? status, `Twilio answered HTTP ${status}: ${message}`, {
      throttled: status === 429 || code === 20429,
    });
  return new ProviderRejected(code ?? status, `Twilio refused the ${what} (HTTP ${status}): ${message}`, {
    accountWide: status === 401 || accountRefusals.has(Number(code)),
  });
}
