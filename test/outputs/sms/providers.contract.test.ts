// One contract, run against every provider adapter: the real SDK talks to a faithful local fake of the
// provider's documented API, through the SDK's endpoint (base URL) setting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CmProvider } from '../../../src/outputs/sms/providers/cm.js';
import { ProviderRejected, ProviderUnreachable, type SmsProvider } from '../../../src/outputs/sms/providers/provider.js';
import { TwilioProvider } from '../../../src/outputs/sms/providers/twilio.js';
import { FakeCm } from '../../helpers/fake-cm.js';
import { FakeTwilio, twilioError } from '../../helpers/fake-twilio.js';
import type { Answer, HttpFake, RecordedRequest } from '../../helpers/http-fake.js';
import { freePort } from '../../helpers/ports.js';

interface ProviderUnderTest {
  name: string;
  fake: HttpFake;
  provider(options?: { apiUrl?: string; wrongSecret?: boolean; timeoutMs?: number }): SmsProvider;
  /** What the provider received: number and text. */
  sent(request: RecordedRequest): { to: string; text: string; maxParts?: number | undefined };
  expected: {
    to: string;
    wrongSecretCode: string;
    badNumberCode: string;
    rateLimited: Answer;
    serverError: Answer;
    /** Refusals as the provider documents them, and whether each is the account's rather than the number's. */
    refusals: [Answer, boolean][];
  };
}

const cm = new FakeCm();
const twilio = new FakeTwilio();

const cases: ProviderUnderTest[] = [
  {
    name: 'CM.com',
    fake: cm,
    provider: ({ apiUrl = cm.url, wrongSecret = false, timeoutMs = 5000 } = {}) =>
      new CmProvider({ productToken: wrongSecret ? 'wrong' : cm.productToken, sender: 'Alarm', apiUrl, timeoutMs }),
    sent: (request) => {
      const [message] = FakeCm.messagesOf(request);
      return { to: message?.to?.[0]?.number ?? '', text: message?.body?.content ?? '', maxParts: message?.maximumNumberOfMessageParts };
    },
    expected: {
      to: '004915112345678',
      wrongSecretCode: '101',
      badNumberCode: '302',
      rateLimited: { status: 429, body: { details: 'Too many requests', errorCode: 999, messages: [] } },
      serverError: { status: 500, body: { details: 'Internal server error', errorCode: 999, messages: [] } },
      refusals: [
        [{ status: 400, body: { details: 'Insufficient balance.', errorCode: 102, messages: [] } }, true],
        [{ status: 400, body: { details: 'Invalid product token.', errorCode: 103, messages: [] } }, true],
        [
          {
            status: 400,
            body: {
              details: 'Created 0 message(s)',
              errorCode: 201,
              messages: [{ to: '004915112345678', status: 'Rejected', parts: 0, messageDetails: 'Body empty', messageErrorCode: 304 }],
            },
          },
          false,
        ],
      ],
    },
  },
  {
    name: 'Twilio',
    fake: twilio,
    provider: ({ apiUrl = twilio.url, wrongSecret = false, timeoutMs = 5000 } = {}) =>
      new TwilioProvider({
        accountSid: twilio.accountSid,
        authToken: wrongSecret ? 'wrong' : twilio.authToken,
        sender: '+15005550006',
        messagingServiceSid: '',
        apiUrl,
        timeoutMs,
      }),
    sent: (request) => {
      const form = FakeTwilio.formOf(request);
      return { to: form.get('To') ?? '', text: form.get('Body') ?? '' };
    },
    expected: {
      to: '+4915112345678',
      wrongSecretCode: '20003',
      badNumberCode: '21211',
      rateLimited: twilioError(429, 20429, 'Too Many Requests'),
      serverError: twilioError(500, 20500, 'Internal Server Error'),
      refusals: [
        [twilioError(401, 20003, 'Authenticate'), true],
        [twilioError(403, 20005, 'Account not active'), true],
        [twilioError(400, 10001, 'Account is not active'), true],
        [twilioError(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number"), true],
        [twilioError(400, 21608, "The 'To' phone number provided is not yet verified for this account"), true],
        [twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'), false],
        [twilioError(400, 21614, "'To' number is not a valid mobile number"), false],
      ],
    },
  },
];

const message = { to: '+4915112345678', text: 'Zone:1 Terrasse, Innenbereich Alarm', maxParts: 3, reference: 'job-1' };

for (const subject of cases) {
  describe(`SMS provider contract: ${subject.name}`, () => {
    before(() => subject.fake.start());
    after(() => subject.fake.stop());

    async function outcomeOf(provider: SmsProvider, overrides: Partial<typeof message> = {}): Promise<unknown> {
      return provider.send({ ...message, ...overrides }).then(
        (result) => result,
        (error: unknown) => error,
      );
    }

    it('delivers the text to the number and returns the provider message id', async () => {
      const before = subject.fake.requests.length;
      const result = await subject.provider().send(message);
      assert.equal(subject.fake.requests.length, before + 1, 'exactly one request');
      const sent = subject.sent(subject.fake.requests.at(-1) as RecordedRequest);
      assert.deepEqual([sent.to, sent.text], [subject.expected.to, message.text]);
      assert.ok(result.messageId, 'a message id');
    });

    it('sends a text of several parts in one message', async () => {
      const long = `Zone:1 Terrasse, ${'Innenbereich Alarm '.repeat(15)}`.trim();
      await subject.provider().send({ ...message, text: long });
      const sent = subject.sent(subject.fake.requests.at(-1) as RecordedRequest);
      assert.equal(sent.text, long);
      if (sent.maxParts !== undefined) assert.equal(sent.maxParts, 3);
    });

    it("reports wrong credentials as rejected, with the provider code, as the account's refusal (a fallback may deliver)", async () => {
      const error = await outcomeOf(subject.provider({ wrongSecret: true }));
      assert.ok(error instanceof ProviderRejected, String(error));
      assert.equal(error.code, subject.expected.wrongSecretCode);
      assert.equal(error.accountWide, true);
    });

    it("reports a number the provider refuses as rejected, the number's refusal (no fallback would do better)", async () => {
      const error = await outcomeOf(subject.provider(), { to: '+12' });
      assert.ok(error instanceof ProviderRejected, String(error));
      assert.equal(error.code, subject.expected.badNumberCode);
      assert.equal(error.accountWide, false);
    });

    it("reports the provider's documented refusals of the account as the account's, others as the message's", async () => {
      for (const [answer, accountWide] of subject.expected.refusals) {
        subject.fake.scripted.push(answer);
        const error = await outcomeOf(subject.provider());
        assert.ok(error instanceof ProviderRejected, `${JSON.stringify(answer.body)}: ${String(error)}`);
        assert.equal(error.accountWide, accountWide, JSON.stringify(answer.body));
      }
    });

    it('reports rate limiting and server errors as unreachable, to be retried; only rate limiting as a throttle', async () => {
      for (const [answer, throttled] of [
        [subject.expected.rateLimited, true],
        [subject.expected.serverError, false],
      ] as const) {
        subject.fake.scripted.push(answer);
        const error = await outcomeOf(subject.provider());
        assert.ok(error instanceof ProviderUnreachable, `${answer.status}: ${String(error)}`);
        assert.equal(error.throttled, throttled, `${answer.status}`);
      }
    });

    it('reports a provider it cannot connect to as unreachable', async () => {
      const error = await outcomeOf(subject.provider({ apiUrl: `http://127.0.0.1:${await freePort()}` }));
      assert.ok(error instanceof ProviderUnreachable, String(error));
    });

    it('masks the number in a refusal that quotes it, wherever the error is logged', async () => {
      // Too long for either provider: CM answers "Gsm '0049…' is not a number.", Twilio 21211 "Invalid 'To' Phone Number: +49…".
      const error = await outcomeOf(subject.provider(), { to: '+491701234567890123' });
      assert.ok(error instanceof ProviderRejected, String(error));
      assert.equal(error.code, subject.expected.badNumberCode);
      const logged = JSON.stringify(pino.stdSerializers.err(error));
      assert.ok(!logged.includes('1701234567'), logged);
      assert.match(error.message, /\*+0123/);
    });

    it('gives up on a provider that takes the request and never answers, or never finishes its answer, as unreachable', async () => {
      for (const stall of ['silent', 'trickle'] as const) {
        subject.fake.stalls.push(stall);
        const error = await outcomeOf(subject.provider({ timeoutMs: 300 }));
        assert.ok(error instanceof ProviderUnreachable, `${stall}: ${String(error)}`);
        assert.equal(error.code, 'timeout', stall);
        assert.match(pino.stdSerializers.err(error).message, /no answer within 0\.3 s/, stall);
      }
    });

    it('says the cause of a failed connection once', async () => {
      const error = await outcomeOf(subject.provider({ apiUrl: `http://127.0.0.1:${await freePort()}` }));
      assert.ok(error instanceof ProviderUnreachable, String(error));
      const { message } = pino.stdSerializers.err(error);
      assert.equal(message.match(/ECONNREFUSED/g)?.length, 1, message);
      assert.equal(error.code, 'ECONNREFUSED');
    });

    it('keeps the secret out of the error message', async () => {
      const error = (await outcomeOf(subject.provider({ wrongSecret: true }))) as Error;
      const secret = subject.name === 'CM.com' ? cm.productToken : twilio.authToken;
      assert.ok(!JSON.stringify({ message: error.message, stack: error.stack }).includes(secret));
    });
  });
}

describe('CM specifics', () => {
  before(() => cm.start());
  after(() => cm.stop());

  it("treats insufficient balance (errorCode 102) as the account's refusal, not to be retried", async () => {
    cm.credit = 0;
    try {
      const error = await new CmProvider({ productToken: cm.productToken, sender: 'Alarm', apiUrl: cm.url, timeoutMs: 5_000 })
        .send(message)
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof ProviderRejected);
      assert.deepEqual([error.code, error.accountWide], ['102', true]);
      assert.match(error.message, /Insufficient balance/);
    } finally {
      cm.credit = undefined;
    }
  });
});
