// Twilio through the official `twilio` SDK (`POST /2010-04-01/Accounts/{Sid}/Messages.json`, basic auth).
import twilio from 'twilio';
import { maskNumbersIn } from '../../../core/mask.js';
import { boundedRequest, ProviderRejected, ProviderUnreachable, type SmsMessage, type SmsProvider, unreachable } from './provider.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** The From number; unused when a messaging service is set. */
  sender: string;
  messagingServiceSid: string;
  /** Base URL replacing `https://api.twilio.com`; empty for Twilio's own. */
  apiUrl: string;
  /** Each request ends within this time, answered or not (`providerTimeoutMs`; tests pass less). */
  timeoutMs: number;
}

/** The SDK's base URL is fixed; its HTTP client is replaceable, so the endpoint override goes there. */
class EndpointRequestClient extends twilio.RequestClient {
  readonly #apiUrl: string;
  constructor(apiUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs });
    this.#apiUrl = apiUrl.replace(/\/+$/, '');
  }
  override request<TData>(options: Parameters<twilio.RequestClient['request']>[0] & { data?: TData }) {
    return super.request<TData>({ ...options, uri: options.uri.replace(/^https:\/\/api\.twilio\.com/, this.#apiUrl) });
  }
}

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio';
  readonly #client: twilio.Twilio;
  readonly #settings: TwilioSettings;

  constructor(settings: TwilioSettings) {
    this.#settings = settings;
    const httpClient = settings.apiUrl
      ? new EndpointRequestClient(settings.apiUrl, settings.timeoutMs)
      : new twilio.RequestClient({ timeout: settings.timeoutMs });
    // The SDK's `timeout` is axios' socket idle timeout: an answer trickling in a byte at a time never trips it.
    httpClient.axios.interceptors.request.use((options) => Object.assign(options, boundedRequest(settings.timeoutMs)));
    // autoRetry stays off: our outbox retries, durably and within its time bound.
    this.#client = twilio(settings.accountSid, settings.authToken, { httpClient });
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    const from = this.#settings.messagingServiceSid
      ? { messagingServiceSid: this.#settings.messagingServiceSid }
      : { from: this.#settings.sender };
    try {
      const created = await this.#client.messages.create({ to: message.to, body: message.text, ...from });
      return { messageId: created.sid };
    } catch (error) {
      throw classifyFailure(error, this.#settings.timeoutMs);
    }
  }
}

/** Twilio's texts may quote the number (21211 "Invalid 'To' Phone Number: +4917…"), so they are masked. */
function classifyFailure(error: unknown, timeoutMs: number): Error {
  const { status, code, message: twilioMessage } = error as { status?: number; code?: number | string; message?: string };
  if (typeof status !== 'number') return unreachable('Twilio', error, timeoutMs);
  const message = maskNumbersIn(twilioMessage ?? '');
  // 20429 "Too Many Requests" is always safe to retry; 5xx is Twilio's side.
  if (status === 429 || code === 20429 || status >= 500)
    return new ProviderUnreachable(code ?? status, `Twilio answered HTTP ${status}: ${message}`, {
      throttled: status === 429 || code === 20429,
    });
  return new ProviderRejected(code ?? status, `Twilio refused the message (HTTP ${status}): ${message}`);
}
