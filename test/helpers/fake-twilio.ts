// Twilio's Messages API as documented: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic
// auth (Account SID : Auth Token), form fields To, From or MessagingServiceSid, Body; errors as JSON with
// `code`, `message`, `more_info`, `status`.
import { randomBytes } from 'node:crypto';
import { type Answer, HttpFake, type RecordedRequest } from './http-fake.js';

export function twilioError(status: number, code: number, message: string): Answer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

export class FakeTwilio extends HttpFake {
  readonly accountSid = `AC${'0'.repeat(31)}1`;
  readonly authToken = 'test-auth-token-0123456789abcdef';

  static formOf(request: RecordedRequest): URLSearchParams {
    return new URLSearchParams(request.body);
  }

  protected answer(request: RecordedRequest): Answer {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
    if (request.method !== 'POST' || !match) return twilioError(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected || match[1] !== this.accountSid) return twilioError(401, 20003, 'Authenticate');
    const form = FakeTwilio.formOf(request);
    const to = form.get('To');
    const body = form.get('Body') ?? '';
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!form.get('From') && !form.get('MessagingServiceSid')) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    return {
      status: 201,
      body: {
        sid: `SM${randomBytes(16).toString('hex')}`,
        account_sid: this.accountSid,
        to,
        from: form.get('From'),
        messaging_service_sid: form.get('MessagingServiceSid'),
        body,
        status: 'queued',
        num_segments: String(body.length <= 160 ? 1 : Math.ceil(body.length / 153)),
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/SM.json`,
      },
    };
  }
}
