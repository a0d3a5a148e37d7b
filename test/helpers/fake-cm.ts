// CM.com's JSON messaging API as documented (developers.cm.com, "Responses & Errors – JSON"):
// `POST /v1.0/message`, product token in `messages.authentication.productToken` (or the X-CM-PRODUCTTOKEN
// header), numbers in `00` notation, multipart texts only with minimum/maximumNumberOfMessageParts; an account out
// of credit refuses the whole request with errorCode 102 ("Insufficient balance"), as a request-level error (HTTP 400,
// no messages), the shape the same page documents for errorCode 101.
import { type Answer, HttpFake, type RecordedRequest } from './http-fake.js';

interface CmMessage {
  from?: string;
  to?: { number?: string }[];
  body?: { type?: string; content?: string };
  reference?: string;
  minimumNumberOfMessageParts?: number;
  maximumNumberOfMessageParts?: number;
}

export class FakeCm extends HttpFake {
  readonly productToken: string;
  /** Messages the account can still pay for; undefined: no limit. At 0 every request is refused with errorCode 102. */
  credit: number | undefined;

  constructor(productToken = '00000000-0000-0000-0000-000000000001') {
    super();
    this.productToken = productToken;
  }

  /** The messages of a recorded request, as CM reads them. */
  static messagesOf(request: RecordedRequest): CmMessage[] {
    return (JSON.parse(request.body) as { messages?: { msg?: CmMessage[] } }).messages?.msg ?? [];
  }

  protected answer(request: RecordedRequest): Answer {
    if (request.method !== 'POST' || request.path !== '/v1.0/message')
      return { status: 404, body: { details: 'Not found', errorCode: 999, messages: [] } };
    let envelope: { messages?: { authentication?: { productToken?: string }; msg?: CmMessage[] } };
    try {
      envelope = JSON.parse(request.body) as typeof envelope;
    } catch {
      return { status: 400, body: { details: 'Could not parse the request', errorCode: 999, messages: [] } };
    }
    const token = envelope.messages?.authentication?.productToken ?? request.headers['x-cm-producttoken'];
    if (token !== this.productToken)
      return { status: 400, body: { details: 'No account found for the given authentication', errorCode: 101, messages: [] } };
    if (this.credit !== undefined && this.credit <= 0)
      return { status: 400, body: { details: 'Insufficient balance.', errorCode: 102, messages: [] } };
    const results = (envelope.messages?.msg ?? []).flatMap((message) =>
      (message.to ?? []).map((to) => this.#result(message, to.number ?? '')),
    );
    const rejected = results.some((result) => result.status === 'Rejected');
    if (this.credit !== undefined) this.credit -= results.filter((result) => result.status === 'Accepted').length;
    return {
      status: 200,
      body: rejected
        ? { details: 'Created 0 message(s)', errorCode: 201, messages: results }
        : { details: `Created ${results.length} message(s)`, errorCode: 0, messages: results },
    };
  }

  #result(message: CmMessage, number: string) {
    const content = message.body?.content ?? '';
    const base = { to: number, reference: message.reference ?? null };
    if (!/^00[1-9]\d{6,14}$/.test(number))
      return { ...base, status: 'Rejected', parts: 0, messageDetails: `Gsm '${number}' is not a number.`, messageErrorCode: 302 };
    if (!content) return { ...base, status: 'Rejected', parts: 0, messageDetails: 'Message body is empty', messageErrorCode: 304 };
    const parts = content.length <= 160 ? 1 : Math.ceil(content.length / 153);
    if (parts > (message.maximumNumberOfMessageParts ?? 1)) {
      return {
        ...base,
        status: 'Rejected',
        parts: 0,
        messageDetails: 'Message too long: set minimumNumberOfMessageParts and maximumNumberOfMessageParts',
        messageErrorCode: 305,
      };
    }
    return { ...base, status: 'Accepted', parts, messageDetails: null, messageErrorCode: 0 };
  }
}
