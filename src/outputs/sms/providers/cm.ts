// CM.com through the official @cmdotcom/text-sdk (JSON `POST /v1.0/message`, product token in the body).
import { CMTypes, MessageApiClient } from '@cmdotcom/text-sdk';
import { maskNumbersIn } from '../../../core/mask.js';
import { toCmNotation } from '../../../core/phone.js';
import { boundedRequest, ProviderRejected, ProviderUnreachable, type SmsMessage, type SmsProvider, unreachable } from './provider.js';

export interface CmSettings {
  productToken: string;
  sender: string;
  /** Base URL such as `https://gw.cmtelecom.com`; empty for the SDK's default. */
  apiUrl: string;
  /** Each request ends within this time, answered or not (`providerTimeoutMs`; tests pass less). */
  timeoutMs: number;
}

/**
 * CM's request-level answers that are the account's, not the number's or the text's (developers.cm.com, "Responses &
 * Errors – JSON"): 101 no account for the authentication, 102 insufficient balance, 103 invalid product token. Another
 * provider may deliver; a message's own refusal (3xx: the number, the body) is final everywhere.
 */
const accountRefusals = new Set([101, 102, 103]);

interface CmResponse {
  details?: string;
  errorCode?: number;
  messages?: { to?: string; status?: string; reference?: string; messageErrorCode?: number; messageDetails?: string | null }[];
}

export class CmProvider implements SmsProvider {
  readonly name = 'cm';
  readonly #client: MessageApiClient;
  readonly #settings: CmSettings;
  readonly #api: CMTypes.MessagesApi;

  constructor(settings: CmSettings) {
    this.#settings = settings;
    this.#client = new MessageApiClient(settings.productToken);
    // The SDK has no endpoint setting; its request client takes a base path (regional gateway, proxy, tests).
    this.#api = new CMTypes.MessagesApi(settings.apiUrl.replace(/\/+$/, '') || undefined);
    // Nor a timeout: the one hook it calls with the axios options of every request is its authentication, which
    // has nothing to add here (the token travels in the body), so it bounds the request instead.
    this.#api.setDefaultAuthentication({ applyToRequest: (options) => void Object.assign(options, boundedRequest(settings.timeoutMs)) });
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    const request = this.#client
      .createMessage()
      .setMessage([toCmNotation(message.to)], this.#settings.sender, message.text, message.reference);
    // The SDK never sets these, and CM refuses texts over one part without them.
    const [msg] = request.messages?.msg ?? [];
    if (msg) {
      msg.minimumNumberOfMessageParts = 1;
      msg.maximumNumberOfMessageParts = message.maxParts;
    }
    (request as unknown as { api: CMTypes.MessagesApi }).api = this.#api;
    let body: CmResponse;
    try {
      body = (await request.send()).data as CmResponse;
    } catch (error) {
      throw classifyFailure(error, this.#settings.timeoutMs);
    }
    const [result] = body.messages ?? [];
    if (body.errorCode || result?.status !== 'Accepted') {
      // CM quotes the number it refused ("Gsm '00491701234567' is not a number."): the text reaches logs and MQTT.
      const code = result?.messageErrorCode || body.errorCode;
      throw new ProviderRejected(code || 'rejected', maskNumbersIn(result?.messageDetails || body.details || 'message rejected'), {
        accountWide: accountRefusals.has(Number(code)),
      });
    }
    return { messageId: result.reference ?? null };
  }
}

/**
 * The SDK rejects with axios' error: `response` is there when CM answered, absent on network failures. CM's texts
 * may quote the number, so they are masked before they become a message.
 */
function classifyFailure(error: unknown, timeoutMs: number): Error {
  const { response } = error as { response?: { status: number; data?: CmResponse } };
  if (!response) return unreachable('CM', error, timeoutMs);
  const { status, data } = response;
  const details = maskNumbersIn(data?.details ?? `HTTP ${status}`);
  if (status === 429 || status >= 500)
    return new ProviderUnreachable(status, `CM answered HTTP ${status}: ${details}`, { throttled: status === 429 });
  // Any other answer is final: 101 authentication, 102 balance, 103 token, or the message itself refused.
  const code = data?.messages?.[0]?.messageErrorCode || data?.errorCode || status;
  const messageDetails = data?.messages?.[0]?.messageDetails;
  const said = messageDetails ? maskNumbersIn(messageDetails) : details;
  return new ProviderRejected(code, `CM refused the request (HTTP ${status}): ${said}`, { accountWide: accountRefusals.has(Number(code)) });
}
