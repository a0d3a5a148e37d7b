// Voice calls on real parts: the Twilio SDK against the fake Twilio's Calls endpoint (form fields checked, the TwiML
// parsed and its text read), jobs in a temp data_dir. What a call says and in which language, once per (event,
// number) also across a restart, retries while Twilio is down, withdrawal, and targets that are no number.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import type { OutboxProgress } from '../../../src/outputs/outbox/outbox.js';
import { type CallJob, type FinishedCallJob, VoiceCalls } from '../../../src/outputs/sms/calls/index.js';
import { TwilioCaller } from '../../../src/outputs/sms/calls/twilio-caller.js';
import { JobStore } from '../../../src/spool/job-store.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeTwilio, twilioError } from '../../helpers/fake-twilio.js';

const ourNumber = '+15005550006';

function escalation(text: string, call: string[], language?: 'de' | 'en'): AlarmEvent {
  return alarmEvent({
    input: 'raised',
    source: 'incidents',
    type: 'escalation',
    text,
    to: { call },
    ...(language ? { details: { language } } : {}),
  });
}

describe('voice calls', () => {
  const twilio = new FakeTwilio();
  let dataDir: string;
  let clockOffset = 0;
  const running: VoiceCalls[] = [];

  before(() => twilio.start());
  after(() => twilio.stop());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-calls-'));
    twilio.requests.length = 0;
    twilio.scripted.length = 0;
    twilio.calls.length = 0;
    clockOffset = 0;
  });
  afterEach(async () => {
    for (const calls of running.splice(0)) await calls.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(retryBaseMs = 5) {
    const progress: OutboxProgress[] = [];
    const logs: string[] = [];
    const waiters: (() => void)[] = [];
    const calls = new VoiceCalls(
      { defaultRegion: 'DE', maxPerHour: 10, retryForMs: 60_000, retryBaseMs, maxRetryDelayMs: retryBaseMs * 4 },
      {
        caller: new TwilioCaller({
          accountSid: twilio.accountSid,
          authToken: twilio.authToken,
          apiUrl: twilio.url,
          timeoutMs: 5_000,
          from: ourNumber,
        }),
        jobs: new JobStore<CallJob, FinishedCallJob>(dataDir, 'call'),
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
        now: () => Date.now() + clockOffset,
        onProgress: (told) => {
          progress.push(told);
          for (const wake of waiters.splice(0)) wake();
        },
      },
    );
    await calls.start();
    running.push(calls);
    const finished = () => progress.filter((told) => !['queued', 'retrying', 'held'].includes(told.state));
    const nextFinished = async (count: number) => {
      while (finished().length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return finished();
    };
    const retries = () => logs.filter((line) => line.includes('will retry')).length;
    return { calls, progress, logs, nextFinished, retries };
  }

  it('calls each number from the Twilio number and reads the text twice in German, then how to acknowledge', async () => {
    const { calls, nextFinished } = await start();
    const count = await calls.deliver(
      escalation('Alarm im Erdgeschoss seit 5 Minuten nicht bestätigt.', ['0151 9999 0001', '+4915199990002'], 'de'),
    );
    assert.equal(count, 2);
    await nextFinished(2);
    assert.deepEqual(new Set(twilio.calls.map((call) => call.to)), new Set(['+4915199990001', '+4915199990002']));
    for (const call of twilio.calls) {
      assert.equal(call.from, ourNumber);
      assert.deepEqual(call.verbs, ['Say', 'Pause', 'Say'], 'no Gather: a digit could acknowledge nothing without a public URL');
      assert.deepEqual(call.say[0], {
        text: 'Alarmmeldung der Alarmanlage. Alarm im Erdgeschoss seit 5 Minuten nicht bestätigt.',
        language: 'de-DE',
        voice: 'Polly.Vicki',
        loop: '2',
      });
      assert.match(call.say[1]?.text ?? '', /SMS mit OK an diese Nummer/);
    }
  });

  it('speaks English unless the event asks for German, with the text escaped as written', async () => {
    const { calls, nextFinished } = await start();
    await calls.deliver(escalation('Door & window <ground floor> open', ['+4915199990001']));
    await nextFinished(1);
    const [call] = twilio.calls;
    assert.deepEqual(
      [call?.say[0]?.text, call?.say[0]?.language],
      ['Alarm message from your alarm system. Door & window <ground floor> open', 'en-US'],
    );
    assert.match(call?.twiml ?? '', /Door &amp; window &lt;ground floor&gt; open/);
    assert.match(call?.say[1]?.text ?? '', /send a text message with OK to this number/);
  });

  it('cuts a long text so the TwiML stays within Twilio’s 4000 characters', async () => {
    const { calls, nextFinished } = await start();
    await calls.deliver(escalation('Zone 4 Keller Alarm. '.repeat(300), ['+4915199990001'], 'de'));
    const [result] = await nextFinished(1);
    assert.equal(result?.state, 'sent');
    assert.ok((twilio.calls[0]?.twiml.length ?? 5000) <= 4000, `${twilio.calls[0]?.twiml.length} characters`);
    assert.ok(twilio.calls[0]?.say[0]?.text.endsWith('…'));
  });

  it('places a call once per event and number, also when the event comes again after a restart', async () => {
    const first = await start();
    const event = escalation('Stufe 2', ['+4915199990001']);
    await first.calls.deliver(event);
    await first.nextFinished(1);
    await first.calls.stop();
    const second = await start();
    await second.calls.deliver(event);
    await second.calls.deliver(escalation('Stufe 3', ['+4915199990001']));
    await second.nextFinished(1);
    assert.deepEqual(
      twilio.calls.map((call) => call.say[0]?.text),
      ['Alarm message from your alarm system. Stufe 2', 'Alarm message from your alarm system. Stufe 3'],
    );
    assert.deepEqual(await readdir(join(dataDir, 'outbox', 'call')), ['done', 'pending'], 'its own job store');
  });

  it('retries while Twilio is down and places the call once it is back; fails a refused number at once', async () => {
    twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'), twilioError(503, 20500, 'Service unavailable'));
    const { calls, nextFinished, retries } = await start();
    await calls.deliver(escalation('Stufe 2', ['+4915199990001']));
    const [placed] = await nextFinished(1);
    assert.deepEqual([placed?.state, retries()], ['sent', 2]);
    assert.equal(twilio.calls.length, 1);
    twilio.scripted.push(twilioError(400, 21217, 'Phone number does not appear to be valid'));
    await calls.deliver(escalation('Stufe 3', ['+4915199990002']));
    const refused = (await nextFinished(2))[1];
    assert.deepEqual(
      [refused?.state, refused?.reason],
      ['failed', 'Twilio refused the call (HTTP 400): Phone number does not appear to be valid'],
    );
    assert.equal(retries(), 2, 'not retried');
  });

  it('suppresses a call of a withdrawn event that waits for its retry', async () => {
    twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'));
    const { calls, nextFinished, retries } = await start(60_000);
    const event = escalation('Stufe 2', ['+4915199990001']);
    await calls.deliver(event);
    while (retries() < 1) await new Promise((resolve) => setImmediate(resolve));
    await calls.withdraw([event.id], 'incident acknowledged');
    const [result] = await nextFinished(1);
    assert.deepEqual([result?.state, result?.reason, result?.recipient], ['suppressed', 'incident acknowledged', '**********0001']);
    assert.equal(twilio.calls.length, 0);
  });

  it('skips a call target that is no number, logged masked', async () => {
    const { calls, logs } = await start();
    assert.equal(await calls.deliver(escalation('Stufe 2', ['Hausmeister 0170'])), 0);
    const skipped = logs.filter((line) => line.includes('call target of the event is no valid phone number, skipped'));
    assert.equal(skipped.length, 1);
    assert.ok(!skipped[0]?.includes('Hausmeister 0170'));
  });
});
