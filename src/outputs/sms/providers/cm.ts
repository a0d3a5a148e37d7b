// CM.com through the official @cmdotcom/text-sdk (JSON `POST /v1.0/message`, product token in the body).
import { CMTypes, MessageApiClient } from '@cmdotcom/text-sdk';
import { toCmNotation } from '../phone.js';
import { ProviderRejected, ProviderUnreachable, type SmsMessage, type SmsProvider } from './provider.js';

export interface CmSettings {
  productToken: string;
  sender: string;
  /** Base URL such as `https://gw.cmtelecom.com`; empty for the SDK's default. */
  apiUrl: string;
}

interface CmResponse {
  details?: string;
  errorCode?: number;
  messages?: { to?: string; status?: string; reference?: string; messageErrorCode?: number; messageDetails?: string | null }[];
}

export class CmProvider implements SmsProvider {
  readonly name = 'cm';
  readonly #client: MessageApiClient;
  readonly #settings: CmSettings;

  constructor(settings: CmSettings) {
    this.#settings = settings;
    this.#client = new MessageApiClient(settings.productToken);
  }

  async send(message: SmsMessage): Promise<{ messageId: string | null }> {
    const request = this.#client.createMessage().setMessage([toCmNotation(message.to)], this.#settings.sender, message.text, message.reference);
    // The SDK never sets these, and CM refuses texts over one part without them.
    const [msg] = request.messages?.msg ?? [];
    if (msg) {
      msg.minimumNumberOfMessageParts = 1;
      msg.maximumNumberOfMessageParts = message.maxParts;
    }
    // The SDK has no endpoint setting; its request client takes a base path (regional gateway, proxy, tests).
    if (this.#settings.apiUrl) (request as unknown as { api: CMTypes.MessagesApi }).api = new CMTypes.MessagesApi(this.#settings.apiUrl.replace(/\/+$/, ''));
    let body: CmResponse;
    try {
      body = (await request.send()).data as CmResponse;
    } catch (error) {
      throw classifyFailure(error);
    }
    const [result] = body.messages ?? [];
    if (body.errorCode || result?.status !== 'Accepted') {
      throw new ProviderRejected(result?.messageErrorCode || body.errorCode || 'rejected', result?.messageDetails || body.details || 'message rejected');
    }
    return { messageId: result.reference ?? null };
  }
}

/** The SDK rejects with axios' error: `response` is there when CM answered, absent on network failures. */
function classifyFailure(error: unknown): Error {
  const { response, code: networkCode, message } = error as { response?: { status: number; data?: CmResponse }; code?: string; message?: string };
  if (!response) return new ProviderUnreachable(networkCode ?? 'network', `CM not reachable: ${message ?? String(error)}`, { cause: error });
  const { status, data } = response;
  const details = data?.details ?? `HTTP ${status}`;
  if (status === 429 || status >= 500) return new ProviderUnreachable(status, `CM answered HTTP ${status}: ${details}`);
  // Any other answer is final: 101 authentication, 102 balance, 103 token, or the message itself refused.
  const code = data?.messages?.[0]?.messageErrorCode || data?.errorCode || status;
  return new ProviderRejected(code, `CM refused the request (HTTP ${status}): ${data?.messages?.[0]?.messageDetails ?? details}`);
}
