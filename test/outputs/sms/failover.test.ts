// SMS provider failover on real parts: CM and Twilio through their SDKs against the fake servers, jobs in a temp
// data_dir, a clock injected. The fallback takes an SMS the primary refused for the account's reason (no credit, a
// bad token) or could not deliver for failover_after, once and for good; a number the primary calls invalid stays
// failed; never both providers for one SMS, also across a restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import type { OutboxProgress } from '../../../src/outputs/outbox/outbox.js';
import { type FinishedSmsJob, type SmsJob, SmsOutput, type SmsResult, type SmsSettings } from '../../../src/outputs/sms/index.js';
import { CmProvider } from '../../../src/outputs/sms/providers/cm.js';
import type { SmsProvider } from '../../../src/outputs/sms/providers/provider.js';
import { TwilioProvider } from '../../../src/outputs/sms/providers/twilio.js';
import { JobStore } from '../../../src/spool/job-store.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeCm } from '../../helpers/fake-cm.js';
import { FakeTwilio, twilioError } from '../../helpers/fake-twilio.js';

const number = '+4915112345678';
const down = { status: 503, body: { details: 'Service unavailable', errorCode: 999, messages: [] } };

function event(text: string): AlarmEvent {
  return alarmEvent({ text });
}

describe('SMS provider failover', () => {
  const cm = new FakeCm();
  const twilio = new FakeTwilio();
  let dataDir: string;
  let clockOffset = 0;
  const running: SmsOutput[] = [];

  before(async () => {
    await cm.start();
    await twilio.start();
  });
  after(async () => {
    await cm.stop();
    await twilio.stop();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-failover-'));
    for (const fake of [cm, twilio]) {
      fake.requests.length = 0;
      fake.scripted.length = 0;
      fake.stalls.length = 0;
    }
    cm.credit = undefined;
    clockOffset = 0;
  });
  afterEach(async () => {
    for (const output of running.splice(0)) await output.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const cmProvider = (productToken = cm.productToken) =>
    new CmProvider({ productToken, sender: 'Alarm', apiUrl: cm.url, timeoutMs: 5_000 });
  const twilioProvider = (authToken = twilio.authToken) =>
    new TwilioProvider({
      accountSid: twilio.accountSid,
      authToken,
      sender: '+15005550006',
      messagingServiceSid: '',
      apiUrl: twilio.url,
      timeoutMs: 5_000,
    });

  async function start(
    settings: Partial<SmsSettings> = {},
    providers: { primary: SmsProvider; fallback?: SmsProvider } = { primary: cmProvider(), fallback: twilioProvider() },
  ) {
    const results: SmsResult[] = [];
    const progress: OutboxProgress[] = [];
    const problems: boolean[] = [];
    const logs: string[] = [];
    const waiters: (() => void)[] = [];
    const output = new SmsOutput(
      {
        defaultRecipients: [number],
        sendOn: ['alarm', 'trouble'],
        defaultRegion: 'DE',
        template: '{text}',
        maxParts: 3,
        maxPerHour: 10,
        retryForMs: 60 * 60_000,
        retryBaseMs: 5,
        maxRetryDelayMs: 20,
        failoverAfterMs: 2 * 60_000,
        ...settings,
      },
      {
        providers,
        jobs: new JobStore<SmsJob, FinishedSmsJob>(dataDir, 'sms'),
        log: createLogger({
          level: 'debug',
          destination: new Writable({
            write: (chunk: Buffer, _encoding, done) => {
              logs.push(chunk.toString());
              done();
            },
          }),
        }),
        maskText: maskNumbersIn,
        onResult: (result) => {
          results.push(result);
          for (const wake of waiters.splice(0)) wake();
        },
        onProblem: (problem) => problems.push(problem),
        onProgress: (told) => progress.push(told),
        now: () => Date.now() + clockOffset,
      },
    );
    await output.start();
    running.push(output);
    const nextResult = async (count: number) => {
      while (results.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return results;
    };
    const retries = () => logs.filter((line) => line.includes('will retry')).length;
    return { output, results, progress, problems, logs, nextResult, retries };
  }

  const twilioBodies = () => twilio.requests.map((request) => FakeTwilio.formOf(request).get('Body'));

  it('sends an SMS that CM refuses for lack of credit (102) once through Twilio, and says so', async () => {
    cm.credit = 0;
    const { output, nextResult, progress, problems, logs } = await start();
    await output.deliver(event('Zone:1 Terrasse, Innenbereich Alarm'));
    const [result] = await nextResult(1);
    assert.deepEqual(
      [result?.result, result?.provider, result?.failover],
      ['sent', 'twilio', { from: 'cm', error_code: '102', error: 'CM refused the request (HTTP 400): Insufficient balance.' }],
    );
    assert.match(String(result?.message_id), /^SM[0-9a-f]{32}$/);
    assert.equal(cm.requests.length, 1);
    assert.deepEqual(twilioBodies(), ['Zone:1 Terrasse, Innenbereich Alarm']);
    assert.equal(FakeTwilio.formOf(twilio.requests[0]!).get('To'), number);
    assert.deepEqual(
      progress.map((told) => [told.state, told.provider]),
      [
        ['queued', 'cm'],
        ['sent', 'twilio'],
      ],
    );
    const switched = logs.filter((line) => line.includes('SMS goes through the fallback provider twilio'));
    assert.equal(switched.length, 1);
    assert.match(switched[0] ?? '', /"level":40/);
    assert.match(
      logs.find((line) => line.includes('"msg":"SMS sent"')) ?? '',
      /"provider":"twilio","result":"sent"/,
      'the log names who sent it',
    );
    assert.deepEqual(problems, [false, true], 'a delivery problem while the primary cannot deliver');

    cm.credit = undefined; // topped up
    await output.deliver(event('Zone:2 Flur, Innenbereich Alarm'));
    const second = (await nextResult(2))[1];
    assert.deepEqual([second?.result, second?.provider, second?.failover], ['sent', 'cm', undefined]);
    assert.deepEqual(problems, [false, true, false], 'until an SMS goes through the primary again');
    assert.equal(twilio.requests.length, 1);
  });

  it('sends through CM what Twilio refuses for a bad token (20003)', async () => {
    const { output, nextResult } = await start({}, { primary: twilioProvider('wrong-token-0123456789'), fallback: cmProvider() });
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.deepEqual(
      [result?.result, result?.provider, result?.failover?.from, result?.failover?.error_code],
      ['sent', 'cm', 'twilio', '20003'],
    );
    assert.deepEqual([twilio.requests.length, cm.requests.length], [1, 1]);
  });

  it('does not hand to the fallback a number the primary calls invalid, nor a text it refuses', async () => {
    twilio.scripted.push(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    const { output, nextResult, problems } = await start({}, { primary: twilioProvider(), fallback: cmProvider() });
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.provider, result?.error_code, result?.failover], ['failed', 'twilio', '21610', undefined]);
    assert.equal(cm.requests.length, 0);
    assert.deepEqual(problems, [false, true]);
  });

  it('fails an SMS the fallback refuses in turn, without asking the primary again', async () => {
    cm.credit = 0;
    const { output, nextResult } = await start({}, { primary: cmProvider(), fallback: twilioProvider('wrong-token-0123456789') });
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.deepEqual(
      [result?.result, result?.provider, result?.error_code, result?.failover?.error_code],
      ['failed', 'twilio', '20003', '102'],
    );
    assert.deepEqual([cm.requests.length, twilio.requests.length], [1, 1]);
  });

  it('hands an SMS to the fallback once the primary stayed unreachable for failover_after, not a backoff later', async (t) => {
    // The production backoff (5 s doubling to 5 min) with mock timers and clock: the attempt after 80 s would wait
    // until 160 s; the fallback must have it at 120 s.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    cm.scripted.push(...Array.from({ length: 50 }, () => down));
    const startedAt = Date.now();
    const { output, results, logs, retries } = await start({ retryBaseMs: 5_000, maxRetryDelayMs: 5 * 60_000 });
    await output.deliver(event('Einbruch'));
    for (let attempts = 1; results.length === 0; attempts++) {
      while (cm.requests.length + twilio.requests.length < attempts || retries() + results.length < attempts)
        await new Promise((resolve) => setImmediate(resolve));
      if (results.length > 0) break;
      const retryInMs = Number(
        (JSON.parse(logs.filter((line) => line.includes('will retry')).at(-1) ?? '{}') as { retryInMs?: number }).retryInMs,
      );
      t.mock.timers.tick(retryInMs + 1);
    }
    const switchedAfterMs = Date.now() - startedAt;
    const [result] = results;
    assert.deepEqual([result?.result, result?.provider, result?.failover?.error_code], ['sent', 'twilio', '503']);
    assert.ok(switchedAfterMs >= 120_000 && switchedAfterMs <= 121_000, `through Twilio after ${switchedAfterMs} ms`);
    assert.equal(twilio.requests.length, 1);
    t.diagnostic(`CM down: ${cm.requests.length} attempts, then Twilio at ${Math.round(switchedAfterMs / 1000)} s`);
  });

  it('keeps an SMS with the fallback across a restart: never both providers for one SMS', async () => {
    cm.credit = 0;
    twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'));
    const first = await start({ retryBaseMs: 60_000, maxRetryDelayMs: 60_000 });
    await first.output.deliver(event('Einbruch'));
    while (first.retries() < 1) await new Promise((resolve) => setImmediate(resolve));
    await first.output.stop();
    cm.credit = undefined; // CM would take it now
    clockOffset += 61_000;
    const second = await start();
    const [result] = await second.nextResult(1);
    assert.deepEqual([result?.result, result?.provider, result?.failover?.error_code], ['sent', 'twilio', '102']);
    assert.deepEqual([cm.requests.length, twilio.requests.length], [1, 2], 'CM was not asked again');
  });

  it('retries a provider that is down as before when no fallback is configured', async () => {
    cm.scripted.push(down, down);
    const { output, nextResult } = await start({ failoverAfterMs: 0 }, { primary: cmProvider() });
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.provider, result?.failover], ['sent', 'cm', undefined]);
    assert.deepEqual([cm.requests.length, twilio.requests.length], [3, 0]);
  });
});
