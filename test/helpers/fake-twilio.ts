// Twilio's REST API as documented, the parts the bridge uses (twilio.com/docs): HTTP basic auth (Account SID : Auth
// Token) on every request, errors as JSON with `code`, `message`, `more_info`, `status`.
// - Messages: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with form fields To, From or MessagingServiceSid,
//   Body; and the list, `GET …/Messages.json` filtered by To, From and DateSent (a GMT day, `DateSent>=` and
//   `DateSent<=` for on or after / before midnight of that day), newest first, PageSize (default 50, at most 1000),
//   paged by `next_page_uri` with the list's paging fields.
// - Calls: `POST …/Calls.json` with To, From and Twiml (at most 4000 characters, error 32018) or Url; the TwiML is
//   parsed here, so a test reads what the call says.
import { randomBytes } from 'node:crypto';
import { DomUtils, parseDocument } from 'htmlparser2';
import { type Answer, HttpFake, type RecordedRequest } from './http-fake.js';

export function twilioError(status: number, code: number, message: string): Answer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** A message in the account's log: one the bridge sent, or one someone sent to the account's number. */
export interface StoredMessage {
  sid: string;
  from: string;
  to: string;
  body: string;
  direction: 'inbound' | 'outbound-api';
  dateSent: Date;
}

/** One `<Say>` of a call's TwiML. */
export interface SpokenText {
  text: string;
  language: string | undefined;
  voice: string | undefined;
  loop: string | undefined;
}

/** A call Twilio accepted, with its TwiML as sent and as read. */
export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  /** The TwiML's verbs in order, by name (`Say`, `Pause`, `Gather`). */
  verbs: string[];
  say: SpokenText[];
}

const listPath = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;

export class FakeTwilio extends HttpFake {
  readonly accountSid = `AC${'0'.repeat(31)}1`;
  readonly authToken = 'test-auth-token-0123456789abcdef';
  /** Every message of the account, oldest first: those created through the API, and those `receive` adds. */
  readonly messages: StoredMessage[] = [];
  readonly calls: PlacedCall[] = [];

  static formOf(request: RecordedRequest): URLSearchParams {
    return new URLSearchParams(request.body);
  }

  /** Someone sends an SMS to the account's number (an inbound message in the log, as Twilio keeps it). */
  receive(message: { from: string; to: string; body: string; dateSent?: Date }): StoredMessage {
    const stored: StoredMessage = { sid: sid('SM'), direction: 'inbound', dateSent: new Date(), ...message };
    this.messages.push(stored);
    return stored;
  }

  /** The message log read for replies is a read: sends are what tests count and script. */
  protected override isRead(request: RecordedRequest): boolean {
    return request.method === 'GET';
  }

  protected answer(request: RecordedRequest): Answer {
    const url = new URL(request.path, 'http://twilio.local');
    const match = listPath.exec(url.pathname);
    if (!match) return twilioError(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected || match[1] !== this.accountSid) return twilioError(401, 20003, 'Authenticate');
    if (match[2] === 'Calls' && request.method === 'POST') return this.#placeCall(FakeTwilio.formOf(request));
    if (match[2] === 'Messages' && request.method === 'POST') return this.#createMessage(FakeTwilio.formOf(request));
    if (match[2] === 'Messages' && request.method === 'GET') return this.#listMessages(url);
    return twilioError(405, 20004, 'Method not allowed');
  }

  #createMessage(form: URLSearchParams): Answer {
    const to = form.get('To');
    const body = form.get('Body') ?? '';
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!form.get('From') && !form.get('MessagingServiceSid')) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    const stored: StoredMessage = {
      sid: sid('SM'),
      from: form.get('From') ?? '',
      to,
      body,
      direction: 'outbound-api',
      dateSent: new Date(),
    };
    this.messages.push(stored);
    return {
      status: 201,
      body: {
        ...this.#messageJson(stored),
        messaging_service_sid: form.get('MessagingServiceSid'),
        status: 'queued',
        num_segments: String(body.length <= 160 ? 1 : Math.ceil(body.length / 153)),
      },
    };
  }

  /** Newest first; DateSent compares whole GMT days, as documented. */
  #listMessages(url: URL): Answer {
    const query = url.searchParams;
    const day = (value: string | null) => (value === null ? undefined : value.slice(0, 10));
    const exactly = day(query.get('DateSent'));
    const onOrAfter = day(query.get('DateSent>'));
    const onOrBefore = day(query.get('DateSent<'));
    for (const value of [exactly, onOrAfter, onOrBefore])
      if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return twilioError(400, 20001, `Invalid DateSent: ${value}`);
    const matching = this.messages
      .filter((message) => {
        const sentOn = message.dateSent.toISOString().slice(0, 10);
        return (
          (!query.get('To') || message.to === query.get('To')) &&
          (!query.get('From') || message.from === query.get('From')) &&
          (exactly === undefined || sentOn === exactly) &&
          (onOrAfter === undefined || sentOn >= onOrAfter) &&
          (onOrBefore === undefined || sentOn <= onOrBefore)
        );
      })
      .reverse();
    const pageSize = Math.min(1000, Math.max(1, Number(query.get('PageSize') ?? 50)));
    const page = Number(query.get('Page') ?? 0);
    const start = page * pageSize;
    const slice = matching.slice(start, start + pageSize);
    const base = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    const pageUri = (number: number) => {
      const params = new URLSearchParams(query);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(number));
      if (number > 0) params.set('PageToken', `PA${matching[number * pageSize - 1]?.sid ?? ''}`);
      else params.delete('PageToken');
      return `${base}?${params}`;
    };
    return {
      status: 200,
      body: {
        first_page_uri: pageUri(0),
        end: start + slice.length - 1,
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
        messages: slice.map((message) => ({
          ...this.#messageJson(message),
          status: message.direction === 'inbound' ? 'received' : 'sent',
        })),
        uri: pageUri(page),
        page_size: pageSize,
        start,
        next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
        page,
      },
    };
  }

  #placeCall(form: URLSearchParams): Answer {
    const to = form.get('To');
    const from = form.get('From');
    const twiml = form.get('Twiml');
    if (!to) return twilioError(400, 21201, "No 'To' number is specified");
    if (!from) return twilioError(400, 21213, "No 'From' number is specified");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!twiml && !form.get('Url') && !form.get('ApplicationSid')) return twilioError(400, 21205, 'Url parameter is required.');
    if (twiml && twiml.length > 4000) return twilioError(400, 32018, 'Twiml size exceeded maximum allowed value of 4000 characters');
    const document = parseDocument(twiml ?? '', { xmlMode: true });
    const response = DomUtils.findOne((element) => element.name === 'Response', document.children, true);
    if (twiml && !response) return twilioError(400, 12100, 'Document parse failure');
    const verbs = response ? DomUtils.getChildren(response).flatMap((node) => ('name' in node ? [node.name] : [])) : [];
    const say = DomUtils.findAll((element) => element.name === 'Say', document.children).map((element) => ({
      text: DomUtils.textContent(element),
      language: element.attribs.language,
      voice: element.attribs.voice,
      loop: element.attribs.loop,
    }));
    const placed: PlacedCall = { sid: sid('CA'), to, from, twiml: twiml ?? '', verbs, say };
    this.calls.push(placed);
    return {
      status: 201,
      body: {
        sid: placed.sid,
        account_sid: this.accountSid,
        to,
        to_formatted: to,
        from,
        from_formatted: from,
        status: 'queued',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${this.accountSid}/Calls/${placed.sid}.json`,
      },
    };
  }

  #messageJson(message: StoredMessage) {
    return {
      sid: message.sid,
      account_sid: this.accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      direction: message.direction,
      api_version: '2010-04-01',
      date_created: message.dateSent.toUTCString(),
      date_sent: message.dateSent.toUTCString(),
      date_updated: message.dateSent.toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${message.sid}.json`,
    };
  }
}

function sid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}
