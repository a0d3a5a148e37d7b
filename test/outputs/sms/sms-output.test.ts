// The SMS output on real parts: the CM SDK against the fake CM server, jobs in a temp data_dir, a clock
// injected for the hourly limit. Retry, give-up, restart in the middle of a retry, floods, replays, masking.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { BacklogGauge } from '../../../src/core/backlog.js';
import { Bus, type BusEvents } from '../../../src/core/bus.js';
import type { AlarmEvent } from '../../../src/core/event.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger, type Logger } from '../../../src/log.js';
import type { OutboxProgress } from '../../../src/outputs/outbox/outbox.js';
import { type FinishedSmsJob, type SmsJob, SmsOutput, type SmsResult, type SmsSettings } from '../../../src/outputs/sms/index.js';
import { CmProvider } from '../../../src/outputs/sms/providers/cm.js';
import { DryRunProvider } from '../../../src/outputs/sms/providers/dry-run.js';
import type { SmsProvider } from '../../../src/outputs/sms/providers/provider.js';
import { TwilioProvider } from '../../../src/outputs/sms/providers/twilio.js';
import { JobStore } from '../../../src/spool/job-store.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeCm } from '../../helpers/fake-cm.js';
import { FakeTwilio } from '../../helpers/fake-twilio.js';
import { freePort } from '../../helpers/ports.js';

const number = '+4915112345678';
function event(text: string, category: AlarmEvent['category'] = 'alarm'): AlarmEvent {
  return alarmEvent({ text, category });
}

interface Harness {
  output: SmsOutput;
  results: SmsResult[];
  /** Every `message` fact the output told. */
  progress: OutboxProgress[];
  logs: string[];
  /** The delivery problem flag, each time it changed (and once at start). */
  problems: boolean[];
  /** How many attempts failed for now and wait for their retry, by the log. */
  retries(): number;
  nextResult(count: number): Promise<SmsResult[]>;
}

describe('SmsOutput', () => {
  const cm = new FakeCm();
  let dataDir: string;
  /** Added to the real time: the tests move the clock forward past the hour or a retry. */
  let clockOffset = 0;
  const running: SmsOutput[] = [];

  before(() => cm.start());
  after(() => cm.stop());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-sms-'));
    cm.requests.length = 0;
    cm.scripted.length = 0;
    cm.hold = undefined;
    cm.stalls.length = 0;
    clockOffset = 0;
  });
  afterEach(async () => {
    for (const output of running.splice(0)) await output.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(
    settings: Partial<SmsSettings> = {},
    productToken = cm.productToken,
    providerFor?: (log: Logger) => SmsProvider,
    backlog?: BacklogGauge,
    jobs = new JobStore<SmsJob, FinishedSmsJob>(dataDir, 'sms'),
  ): Promise<Harness> {
    const results: SmsResult[] = [];
    const logs: string[] = [];
    const waiters: (() => void)[] = [];
    const problems: boolean[] = [];
    const progress: OutboxProgress[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logs.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: 'debug', destination });
    const output = new SmsOutput(
      {
        defaultRecipients: [number],
        sendOn: ['alarm', 'trouble'],
        defaultRegion: 'DE',
        template: '{text}',
        maxParts: 3,
        maxPerHour: 10,
        retryForMs: 60_000,
        retryBaseMs: 5,
        maxRetryDelayMs: 20,
        ...settings,
      },
      {
        providers: { primary: providerFor?.(log) ?? new CmProvider({ productToken, sender: 'Alarm', apiUrl: cm.url, timeoutMs: 5_000 }) },
        jobs,
        log,
        maskText: maskNumbersIn,
        onProblem: (problem) => problems.push(problem),
        onResult: (result) => {
          results.push(result);
          for (const wake of waiters.splice(0)) wake();
        },
        now: () => Date.now() + clockOffset,
        onProgress: (told) => progress.push(told),
        backlog,
      },
    );
    await output.start();
    running.push(output);
    const nextResult = async (count: number) => {
      while (results.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return results;
    };
    const retries = () => logs.filter((line) => line.includes('SMS not sent, will retry')).length;
    return { output, results, progress, logs, problems, retries, nextResult };
  }

  it('sends an alarm to the default recipient once, even when the event is delivered again (a replay)', async () => {
    const { output, nextResult } = await start();
    const alarm = event('Zone:1 Terrasse, Innenbereich Alarm');
    await output.deliver(alarm);
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.recipient, result?.provider], ['sent', '**********5678', 'cm']);
    assert.deepEqual(
      FakeCm.messagesOf(cm.requests[0]!).map((message) => [message.to?.[0]?.number, message.body?.content]),
      [['004915112345678', 'Zone:1 Terrasse, Innenbereich Alarm']],
    );
    await output.stop();
    const restarted = await start();
    await restarted.output.deliver(alarm);
    await restarted.output.deliver(event('second alarm'));
    await restarted.nextResult(1);
    assert.equal(cm.requests.length, 2, 'the replayed event was not sent again');
  });

  it('sends an event that names its numbers (to.sms) to those alone, and logs a target that is no number masked', async () => {
    const { output, nextResult, logs } = await start();
    const receipt = await output.deliver({
      ...event('Stufe 2: Alarm seit 5 Minuten', 'status'),
      to: { sms: ['0151 9999 0001', '0170 12'] },
    });
    assert.deepEqual(receipt, { messages: 1 });
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.recipient], ['sent', '**********0001']);
    assert.deepEqual(
      cm.requests.map((request) => FakeCm.messagesOf(request)[0]?.to?.[0]?.number),
      ['004915199990001'],
      'not the default recipient',
    );
    const skipped = logs.filter((line) => line.includes('no valid phone number, skipped'));
    assert.equal(skipped.length, 1);
    assert.match(skipped[0] ?? '', /"to":"\*\*\*0 12"/);
    assert.deepEqual(await output.deliver({ ...event('nur Telegram'), to: { telegram: ['123456789'] } }), { messages: 0 });
  });

  it('tells the outbox depth on the bus as jobs are stored and answered, the final depth at stop', async () => {
    const bus = new Bus((_name, error) => assert.fail(String(error)));
    const depths: BusEvents['backlog'][] = [];
    bus.on('backlog', (backlog) => depths.push(backlog));
    // Each reading of this clock is a second after the last: no depth waits for the coalescing interval.
    let time = 0;
    const gauge = new BacklogGauge(bus, 'outbox/sms', { clock: { now: () => (time += 1000), schedule: () => () => undefined } });
    let release: () => void = () => undefined;
    cm.hold = new Promise<void>((resolve) => (release = resolve));
    const { output, nextResult } = await start({ defaultRecipients: [number, '+4915199990001'] }, cm.productToken, undefined, gauge);
    try {
      await output.deliver(event('Alarm 1'));
      assert.deepEqual(
        depths,
        [
          { queue: 'outbox/sms', depth: 0 },
          { queue: 'outbox/sms', depth: 1 },
          { queue: 'outbox/sms', depth: 2 },
        ],
        'both jobs stored, none answered yet',
      );
    } finally {
      cm.hold = undefined;
      release();
    }
    await nextResult(2);
    assert.deepEqual(
      depths.slice(3).map(({ depth }) => depth),
      [1, 0],
    );
    await output.stop();
    assert.equal(depths.length, 5, 'nothing more at stop: the final depth was told');
  });

  it('retries a provider error with backoff until it is sent', async () => {
    cm.scripted.push(
      { status: 500, body: { details: 'Internal error', errorCode: 999, messages: [] } },
      { status: 503, body: { details: 'Unavailable', errorCode: 999, messages: [] } },
    );
    const { output, nextResult, retries, problems } = await start();
    await output.deliver(event('Feueralarm'));
    const [result] = await nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.equal(cm.requests.length, 3);
    assert.equal(retries(), 2);
    assert.deepEqual(problems, [false, true, false], 'a problem from the first failed attempt until the SMS is sent');
  });

  for (const name of ['CM', 'Twilio'] as const) {
    it(`retries an SMS whose request ${name} takes and never answers, after the timeout, until it is sent`, async () => {
      const twilio = await new FakeTwilio().start();
      try {
        const fake = name === 'CM' ? cm : twilio;
        fake.stalls.push('silent', 'trickle');
        const provider =
          name === 'CM'
            ? new CmProvider({ productToken: cm.productToken, sender: 'Alarm', apiUrl: cm.url, timeoutMs: 300 })
            : new TwilioProvider({
                accountSid: twilio.accountSid,
                authToken: twilio.authToken,
                sender: '+15005550006',
                messagingServiceSid: '',
                apiUrl: twilio.url,
                timeoutMs: 300,
              });
        const { output, nextResult, retries, logs } = await start({}, cm.productToken, () => provider);
        await output.deliver(event('Einbruch'));
        const [result] = await nextResult(1);
        assert.equal(result?.result, 'sent');
        assert.equal(fake.requests.length, 3);
        assert.equal(retries(), 2);
        const retried = logs.filter((line) => line.includes('will retry'));
        assert.ok(
          retried.every((line) => line.includes('"code":"timeout"') && line.includes('no answer within 0.3 s')),
          retried.join('\n'),
        );
      } finally {
        await twilio.stop();
      }
    });
  }

  it('keeps the order to one number while the first message waits for its retry', async () => {
    cm.scripted.push({ status: 500, body: { details: 'down', errorCode: 999, messages: [] } });
    const { output, nextResult } = await start({ retryBaseMs: 30, maxRetryDelayMs: 30 });
    for (const text of ['Alarm 1', 'Alarm 2', 'Alarm 3']) await output.deliver(event(text));
    await nextResult(3);
    const sent = cm.requests.map((request) => FakeCm.messagesOf(request)[0]?.body?.content);
    assert.deepEqual(sent, ['Alarm 1', 'Alarm 1', 'Alarm 2', 'Alarm 3']);
  });

  it('sends to several numbers at once, and in order to each number', async () => {
    const others = ['+4915199990001', '+4915199990002'];
    let release: () => void = () => undefined;
    cm.hold = new Promise<void>((resolve) => (release = resolve));
    const { output, nextResult } = await start({ defaultRecipients: [number, ...others] });
    for (const text of ['Alarm 1', 'Alarm 2']) await output.deliver(event(text));
    try {
      // Held by a slow provider: only possible if the first message to every number is out at the same time.
      const inFlight = await cm.received(3);
      assert.deepEqual(new Set(inFlight.map((request) => FakeCm.messagesOf(request)[0]?.body?.content)), new Set(['Alarm 1']));
    } finally {
      cm.hold = undefined;
      release();
    }
    await nextResult(6);
    for (const to of [number, ...others]) {
      const cmNumber = `00${to.slice(1)}`;
      const texts = cm.requests
        .map((request) => FakeCm.messagesOf(request)[0])
        .filter((message) => message?.to?.[0]?.number === cmNumber)
        .map((message) => message?.body?.content);
      assert.deepEqual(texts, ['Alarm 1', 'Alarm 2'], to);
    }
  });

  it('rides out a provider outage of 20 minutes with the production backoff, and sends once it is back', async (t) => {
    // Mocked timers and clock, real outbox, store and HTTP: 20 minutes of backoff in well under a second. The clock
    // jumps to each retry the outbox schedules, once the attempt before has its outcome.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    const outageMs = 20 * 60_000;
    const startedAt = Date.now();
    cm.scripted.push(
      ...Array.from({ length: 100 }, () => ({ status: 503, body: { details: 'Service unavailable', errorCode: 999, messages: [] } })),
    );
    const { output, results, logs, retries } = await start({ retryBaseMs: 5_000, maxRetryDelayMs: 5 * 60_000, retryForMs: 60 * 60_000 });
    await output.deliver(event('Einbruch'));
    for (let attempts = 1; ; attempts++) {
      while (cm.requests.length < attempts || retries() + results.length < attempts) await new Promise((resolve) => setImmediate(resolve));
      if (results.length > 0) break;
      const retryInMs = Number(
        (JSON.parse(logs.filter((line) => line.includes('will retry')).at(-1) ?? '{}') as { retryInMs?: number }).retryInMs,
      );
      if (Date.now() + retryInMs - startedAt >= outageMs) cm.scripted.length = 0; // back by the next attempt
      t.mock.timers.tick(retryInMs + 1);
    }
    const sentAfterMs = Date.now() - startedAt;
    assert.equal(results[0]?.result, 'sent');
    assert.ok(
      sentAfterMs >= outageMs && sentAfterMs <= outageMs + 5 * 60_000 + 1_000,
      `sent ${sentAfterMs - outageMs} ms after the provider was back: within one capped backoff`,
    );
    const attempts = cm.requests.length;
    assert.ok(attempts >= 5 && attempts <= 20, `${attempts} attempts in 20 minutes: backing off, not hammering, not giving up`);
    assert.equal(retries(), attempts - 1);
    t.diagnostic(
      `provider down 20 min: ${attempts} attempts, the SMS sent ${Math.round((sentAfterMs - outageMs) / 1000)} s after it was back`,
    );
  });

  it('keeps the delivery problem while one number fails, whatever other numbers get', async () => {
    const other = '+4915199990003';
    // CM's answer to a message it refuses (the number is unknown to the network).
    cm.scripted.push({
      status: 200,
      body: {
        details: 'Created 0 message(s)',
        errorCode: 201,
        messages: [
          { to: '004915112345678', reference: null, status: 'Rejected', parts: 0, messageDetails: 'Unknown number', messageErrorCode: 302 },
        ],
      },
    });
    const { output, nextResult, problems } = await start({ defaultRecipients: [number] });
    await output.deliver({ ...event('to the bad number'), recipients: [`${number}@sms.local`] });
    assert.equal((await nextResult(1))[0]?.result, 'failed');
    await output.deliver({ ...event('to a good number'), recipients: [`${other}@sms.local`] });
    assert.equal((await nextResult(2))[1]?.result, 'sent');
    assert.deepEqual(problems, [false, true], "another number's success does not clear it");
    await output.deliver({ ...event('to the bad number, fixed'), recipients: [`${number}@sms.local`] });
    assert.equal((await nextResult(3))[2]?.result, 'sent');
    assert.deepEqual(problems, [false, true, false], 'a later SMS to that number does');
  });

  it('does not retry a permanent refusal, and says why', async () => {
    const { output, nextResult } = await start({}, 'wrong-token');
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.error_code], ['failed', '101']);
    assert.equal(cm.requests.length, 1);
  });

  it('gives up on temporary errors after the retry time', async () => {
    cm.scripted.push(...Array.from({ length: 3 }, () => ({ status: 500, body: { details: 'down', errorCode: 999, messages: [] } })));
    const { output, nextResult } = await start({ retryForMs: 0 });
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.equal(result?.result, 'failed');
    assert.match(result?.error ?? '', /gave up after 1 attempts/);
  });

  it('resumes a job after a restart in the middle of its retries, and sends it once', async () => {
    cm.scripted.push({ status: 500, body: { details: 'down', errorCode: 999, messages: [] } });
    const first = await start({ retryBaseMs: 60_000, maxRetryDelayMs: 60_000 });
    await first.output.deliver(event('Zone:8 Ost 1, Sabotage Alarm'));
    await cm.received(1);
    while (!first.logs.some((line) => line.includes('will retry'))) await new Promise((resolve) => setImmediate(resolve));
    await first.output.stop();
    clockOffset += 61_000; // the retry is due when the bridge is back
    const second = await start();
    const [result] = await second.nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.equal(cm.requests.length, 2);
    assert.deepEqual(first.results, []);
  });

  describe('withdrawn events', () => {
    const reason = 'incident acknowledged (Home Assistant)';

    it('finishes an SMS waiting for its retry as suppressed with the reason, once, and never sends it', async () => {
      cm.scripted.push({ status: 503, body: { details: 'down', errorCode: 999, messages: [] } });
      const { output, nextResult, retries, progress } = await start({ retryBaseMs: 60_000, maxRetryDelayMs: 60_000 });
      const escalation = event('Stufe 2: Alarm nicht bestätigt');
      await output.deliver(escalation);
      while (retries() < 1) await new Promise((resolve) => setImmediate(resolve));
      await output.withdraw([escalation.id], reason);
      const [result] = await nextResult(1);
      assert.deepEqual([result?.result, result?.error], ['suppressed', reason]);
      assert.deepEqual(
        progress.map((told) => [told.state, told.reason ?? '']).filter(([state]) => state !== 'retrying'),
        [
          ['queued', ''],
          ['suppressed', reason],
        ],
      );
      clockOffset += 61_000;
      await output.deliver(event('a later alarm')); // a round of the outbox after the retry was due
      await nextResult(2);
      assert.equal(cm.requests.length, 2, 'the first attempt and the later alarm: the withdrawn SMS was not tried again');
      await output.withdraw([escalation.id], reason);
      assert.equal(progress.filter((told) => told.state === 'suppressed').length, 1, 'one final answer');
    });

    it('finishes a held SMS as suppressed and leaves it out of the summary; other events go on', async () => {
      const { output, nextResult, logs } = await start({ maxPerHour: 1 });
      const first = event('Alarm 1');
      await output.deliver(first);
      await nextResult(1);
      const held = event('Stufe 2');
      const other = event('Alarm 3');
      await output.deliver(held);
      await output.deliver(other);
      while (logs.filter((line) => line.includes('SMS held')).length < 2) await new Promise((resolve) => setImmediate(resolve));
      await output.withdraw([held.id], reason);
      assert.deepEqual(
        (await nextResult(2)).map((result) => [result.result, result.error]),
        [
          ['sent', undefined],
          ['suppressed', reason],
        ],
      );
      clockOffset += 60 * 60 * 1000 + 1;
      await output.deliver(event('Alarm 4')); // wakes the outbox; held in turn behind the summary
      await nextResult(4);
      const texts = cm.requests.map((request) => FakeCm.messagesOf(request)[0]?.body?.content);
      assert.equal(texts[1], '+1 more event: Alarm 3', 'the summary names only what is still wanted');
    });

    it('lets an SMS whose request is under way finish as it ends: sent, not suppressed', async () => {
      let release: () => void = () => undefined;
      cm.hold = new Promise<void>((resolve) => (release = resolve));
      const { output, nextResult, progress } = await start();
      const alarm = event('Einbruch');
      try {
        await output.deliver(alarm);
        await cm.received(1);
        await output.withdraw([alarm.id], reason);
        assert.equal(progress.at(-1)?.state, 'queued', 'nothing answered while the request is under way');
      } finally {
        cm.hold = undefined;
        release();
      }
      const [result] = await nextResult(1);
      assert.equal(result?.result, 'sent');
      assert.deepEqual(
        progress.map((told) => told.state),
        ['queued', 'sent'],
      );
    });

    it('suppresses an SMS whose request under way failed, instead of trying it again', async () => {
      let release: () => void = () => undefined;
      cm.hold = new Promise<void>((resolve) => (release = resolve));
      cm.scripted.push({ status: 503, body: { details: 'down', errorCode: 999, messages: [] } });
      const { output, nextResult } = await start();
      const alarm = event('Einbruch');
      try {
        await output.deliver(alarm);
        await cm.received(1);
        await output.withdraw([alarm.id], reason);
      } finally {
        cm.hold = undefined;
        release();
      }
      const [result] = await nextResult(1);
      assert.deepEqual([result?.result, result?.error], ['suppressed', reason]);
      assert.equal(cm.requests.length, 1);
    });

    it('leaves no pending file behind when the withdrawal comes while a retry is being stored', async () => {
      // A slow card: storing the retry takes until the test lets it finish.
      let storeRetry: () => void = () => undefined;
      const retryStored = new Promise<void>((resolve) => (storeRetry = resolve));
      let storing: () => void = () => undefined;
      const retryStoring = new Promise<void>((resolve) => (storing = resolve));
      class SlowJobStore extends JobStore<SmsJob, FinishedSmsJob> {
        override async put(job: SmsJob): Promise<void> {
          if (job.attempts > 0) {
            storing();
            await retryStored;
          }
          await super.put(job);
        }
      }
      cm.scripted.push({ status: 503, body: { details: 'down', errorCode: 999, messages: [] } });
      const jobs = new SlowJobStore(dataDir, 'sms');
      const { output, nextResult, progress } = await start(
        { retryBaseMs: 60_000, maxRetryDelayMs: 60_000 },
        cm.productToken,
        undefined,
        undefined,
        jobs,
      );
      const alarm = event('Stufe 2');
      await output.deliver(alarm);
      await retryStoring;
      await output.withdraw([alarm.id], reason);
      storeRetry();
      const [result] = await nextResult(1);
      assert.deepEqual([result?.result, result?.error], ['suppressed', reason]);
      await output.stop();
      assert.deepEqual(await jobs.pending(), [], 'nothing to resume at the next start');
      assert.deepEqual(
        progress.map((told) => told.state),
        ['queued', 'retrying', 'suppressed'],
        'the final answer last',
      );
    });

    it('suppresses the SMS of an event withdrawn before the output had it', async () => {
      const { output, nextResult } = await start();
      const late = event('Stufe 2');
      await output.withdraw([late.id], reason);
      await output.deliver(late);
      const [result] = await nextResult(1);
      assert.deepEqual([result?.result, result?.error], ['suppressed', reason]);
      assert.equal(cm.requests.length, 0);
    });
  });

  it('holds messages over max_per_hour and folds them into one summary when the hour allows', async () => {
    const harness = await start({ maxPerHour: 2 });
    const { output, results, nextResult } = harness;
    const { logs } = harness;
    for (const text of ['Alarm 1', 'Alarm 2', 'Alarm 3', 'Alarm 4']) await output.deliver(event(text));
    await nextResult(2);
    while (logs.filter((line) => line.includes('SMS held')).length < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'sent'],
    );
    assert.equal(cm.requests.length, 2, 'no third SMS within the hour');
    clockOffset += 60 * 60 * 1000 + 1;
    await output.deliver(event('Alarm 5'));
    await nextResult(5);
    const texts = cm.requests.map((request) => FakeCm.messagesOf(request)[0]?.body?.content);
    assert.deepEqual(texts, ['Alarm 1', 'Alarm 2', '+2 more events: Alarm 3 | Alarm 4', 'Alarm 5'].slice(0, texts.length));
    assert.deepEqual(results.map((result) => result.result).sort(), ['sent', 'sent', 'sent', 'suppressed', 'suppressed']);
  });

  it('sends an identical text to the same number within a minute once', async () => {
    const { output, nextResult } = await start();
    await output.deliver(event('Zone:1 Terrasse, Innenbereich Alarm'));
    await nextResult(1);
    await output.deliver(event('Zone:1 Terrasse, Innenbereich Alarm'));
    const results = await nextResult(2);
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'suppressed'],
    );
    assert.equal(cm.requests.length, 1);
  });

  it('words a suppressed duplicate as it always did, for automations that match the text', async () => {
    const { output, nextResult } = await start();
    await output.deliver(event('Zone:2 Flur, Innenbereich Alarm'));
    await nextResult(1);
    await output.deliver(event('Zone:2 Flur, Innenbereich Alarm'));
    const results = await nextResult(2);
    assert.equal(results[1]?.result, 'suppressed');
    assert.equal(results[1]?.error, 'same text to the same number within 60 s');
  });

  it('sends status events to no one by default, and cuts long texts to the parts allowed', async () => {
    const { output, nextResult } = await start({ maxParts: 1 });
    await output.deliver(event('Zone:1 Terrasse, DC Open - Mobility', 'status'));
    await output.deliver(event(`Feuer ${'im Keller '.repeat(40)}`));
    await nextResult(1);
    assert.equal(cm.requests.length, 1);
    const text = FakeCm.messagesOf(cm.requests[0]!)[0]?.body?.content ?? '';
    assert.ok(text.length <= 160 && text.endsWith('...'), text);
  });

  it('records a dry-run as dry_run in its result and its log line, never as sent', async () => {
    const { output, nextResult, logs, problems } = await start({}, cm.productToken, (log) => new DryRunProvider(log));
    await output.deliver(event('Einbruch, bitte 0170 1234567 anrufen'));
    const [result] = await nextResult(1);
    assert.deepEqual([result?.result, result?.provider, result?.recipient], ['dry_run', 'none', '**********5678']);
    assert.ok(!logs.join('').includes('0170 1234567'), 'a number in the text is masked in the dry-run line too');
    const lines = logs
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.filter((line) => line.result !== undefined).map((line) => line.result),
      ['dry_run'],
    );
    assert.equal(
      lines.some((line) => String(line.msg).includes('SMS sent')),
      false,
    );
    assert.deepEqual(problems, [false]);
    assert.equal(cm.requests.length, 0);
  });

  it('gives up on an unreachable provider with its cause said once in the result', async () => {
    const port = await freePort();
    const { output, nextResult } = await start(
      { retryForMs: 0 },
      cm.productToken,
      () => new CmProvider({ productToken: cm.productToken, sender: 'Alarm', apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 5_000 }),
    );
    await output.deliver(event('Einbruch'));
    const [result] = await nextResult(1);
    assert.equal(result?.error_code, 'ECONNREFUSED');
    assert.equal(result?.error, `gave up after 1 attempts: CM not reachable: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('never writes a whole phone number or the token to the log', async () => {
    const { output, nextResult, logs } = await start();
    cm.scripted.push({ status: 500, body: { details: 'down', errorCode: 999, messages: [] } });
    await output.deliver(event('Einbruch'));
    await nextResult(1);
    const text = logs.join('');
    assert.ok(text.includes('5678'));
    for (const secret of [number, '15112345678', '004915112345678', cm.productToken])
      assert.ok(!text.includes(secret), `${secret} in ${text}`);
  });
});
