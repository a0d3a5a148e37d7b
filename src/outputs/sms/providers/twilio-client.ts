// The official `twilio` SDK's client, pointed at the configured endpoint and bounded in time: one for the SMS
// provider, the voice calls and the reading of replies, each made only when Twilio is configured.
import twilio from 'twilio';
import { boundedRequest } from './provider.js';

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
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

export function twilioClient(account: TwilioAccount): twilio.Twilio {
  const httpClient = account.apiUrl
    ? new EndpointRequestClient(account.apiUrl, account.timeoutMs)
    : new twilio.RequestClient({ timeout: account.timeoutMs });
  // The SDK's `timeout` is axios' socket idle timeout: an answer trickling in a byte at a time never trips it.
  httpClient.axios.interceptors.request.use((options) => Object.assign(options, boundedRequest(account.timeoutMs)));
  // autoRetry stays off: our outboxes retry, durably and within their time bound.
  return twilio(account.accountSid, account.authToken, { httpClient });
}
