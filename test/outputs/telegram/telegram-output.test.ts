// The Telegram output on real parts: the Bot API client against the fake Bot API server, jobs in a temp data_dir,
// snapshots in an image store, a clock injected. Texts as written, photos and albums, replays, retries (429 exactly
// after retry_after), final failures, floods, an outage of minutes, and what the log may say.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import type { ImageRef, ImageStore } from '../../../src/core/images.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import { BotApi } from '../../../src/outputs/telegram/bot-api.js';
import {
  type FinishedTelegramJob,
  type TelegramJob,
  TelegramOutput,
  type TelegramResult,
  type TelegramSettings,
} from '../../../src/outputs/telegram/index.js';
import { JobStore } from '../../../src/spool/job-store.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeTelegram, serverError, telegramError, tooLarge, tooManyRequests } from '../../helpers/fake-telegram.js';

const chat = '123456789';
const group = '-1001234567890';
function event(text: string, overrides: Partial<AlarmEvent> = {}): AlarmEvent {
  return alarmEvent({ text, ...overrides });
}

/** Snapshots kept in memory under their hash, as the snapshot store keeps them on disk. */
class Snapshots implements ImageStore {
  readonly #bytes = new Map<string, Buffer>();
  add(name: string, bytes: Buffer): ImageRef {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.#bytes.set(sha256, bytes);
    return { name, content_type: 'image/jpeg', size: bytes.length, sha256 };
  }
  async read(image: ImageRef): Promise<Buffer | undefined> {
    return this.#bytes.get(image.sha256);
  }
}

const jpegBytes = (seed: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, seed, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0xd9]);

describe('TelegramOutput', () => {
  const telegram = new FakeTelegram();
  let dataDir: string;
  let clockOffset = 0;
  let snapshots: Snapshots;
  const running: TelegramOutput[] = [];

  before(() => telegram.start());
  after(() => telegram.stop());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-telegram-'));
    telegram.requests.length = 0;
    telegram.scripted.length = 0;
    telegram.delivered.length = 0;
    telegram.maxPhotoBytes = 10_000_000;
    telegram.maxRequestBytes = 50_000_000;
    telegram.hold = undefined;
    telegram.stalls.length = 0;
    clockOffset = 0;
    snapshots = new Snapshots();
  });
  afterEach(async () => {
    for (const output of running.splice(0)) await output.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(settings: Partial<TelegramSettings> = {}, token = telegram.token, timeoutMs = 5_000) {
    const results: TelegramResult[] = [];
    const logs: string[] = [];
    const problems: boolean[] = [];
    const waiters: (() => void)[] = [];
    const log = createLogger({
      level: 'debug',
      destination: new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          logs.push(chunk.toString());
          done();
        },
      }),
    });
    const output = new TelegramOutput(
      {
        chatIds: [chat],
        sendOn: ['alarm', 'trouble', 'camera'],
        cameraSources: new Set(['hikvision']),
        template: '{text}',
        photos: true,
        maxPerHour: 20,
        retryForMs: 60_000,
        retryBaseMs: 5,
        maxRetryDelayMs: 20,
        ...settings,
      },
      {
        api: new BotApi({ token, apiUrl: telegram.url, timeoutMs }),
        images: snapshots,
        jobs: new JobStore<TelegramJob, FinishedTelegramJob>(dataDir, 'telegram'),
        log,
        maskText: maskNumbersIn,
        onResult: (result) => {
          results.push(result);
          for (const wake of waiters.splice(0)) wake();
        },
        onProblem: (problem) => problems.push(problem),
        now: () => Date.now() + clockOffset,
      },
    );
    await output.start();
    running.push(output);
    const nextResult = async (count: number) => {
      while (results.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return results;
    };
    // Every retry: a failure (`not sent, will retry`, warn) or a throttle (`throttled by the service, will retry`, info).
    const retries = () => logs.filter((line) => line.includes('will retry')).length;
    return { output, results, logs, problems, nextResult, retries };
  }

  it('sends an alarm to every chat exactly as written, once, also when the event is delivered again after a restart', async () => {
    const first = await start({ chatIds: [chat, group] });
    const alarm = event('Zone:1 Tür_1 *Süd*, Innenbereich Alarm [EG] (1.5)');
    await first.output.deliver(alarm);
    const results = await first.nextResult(2);
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'sent'],
    );
    assert.deepEqual(
      new Set(telegram.delivered.map((message) => `${message.chatId} ${message.text}`)),
      new Set([chat, group].map((to) => `${to} Zone:1 Tür_1 *Süd*, Innenbereich Alarm [EG] (1.5)`)),
    );
    assert.ok(telegram.delivered.every((message) => message.parseMode === undefined && message.method === 'sendMessage'));
    await first.output.stop();
    const second = await start({ chatIds: [chat, group] });
    await second.output.deliver(alarm);
    await second.output.deliver(event('second alarm'));
    await second.nextResult(2);
    assert.equal(telegram.delivered.length, 4, 'the replayed event was not sent again');
  });

  it('sends an event that names its chats (to.telegram) to those alone, whatever send_on, and logs an unreadable one masked', async () => {
    const { output, nextResult, logs } = await start({ chatIds: [group] });
    const receipt = await output.deliver(event('Stufe 2', { category: 'status', to: { telegram: [chat, 'Hans Meier 0170'] } }));
    assert.deepEqual(receipt, { messages: 1 });
    await nextResult(1);
    assert.deepEqual(
      telegram.delivered.map((message) => message.chatId),
      [chat],
    );
    assert.equal(logs.filter((line) => line.includes('no chat id, skipped') && line.includes('"to":"***********0170"')).length, 1);
    assert.deepEqual(await output.deliver(event('nur SMS', { to: { sms: ['+4915112345678'] } })), { messages: 0 });
  });

  it('resumes a photo job after a restart in the middle of its retries, and sends it once', async () => {
    telegram.scripted.push(serverError);
    const first = await start({ retryBaseMs: 60_000, maxRetryDelayMs: 60_000 });
    await first.output.deliver(event('Bewegung', { source: 'hikvision', images: [snapshots.add('snapshot-1.jpg', jpegBytes(7))] }));
    while (first.retries() < 1) await new Promise((resolve) => setImmediate(resolve));
    await first.output.stop();
    clockOffset += 61_000; // the retry is due when the bridge is back
    const second = await start();
    const [result] = await second.nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.deepEqual(
      telegram.delivered.map((message) => [message.method, message.photos[0]?.bytes, message.photos[0]?.caption]),
      [['sendPhoto', jpegBytes(7), 'Bewegung']],
    );
    assert.equal(telegram.requests.length, 2);
  });

  it('sends a camera snapshot as a photo with the rendered caption, and several as one album', async () => {
    const { output, nextResult } = await start({ template: 'Kamera {sensor}: {text}' });
    const one = snapshots.add('snapshot-1.jpg', jpegBytes(1));
    const three = [2, 3, 4].map((seed) => snapshots.add(`snapshot-${seed}.jpg`, jpegBytes(seed)));
    await output.deliver(
      event('Bewegung erkannt', { source: 'hikvision', category: 'status', type: 'motion', sensor: 'Einfahrt_1', images: [one] }),
    );
    await output.deliver(
      event('Linienüberschreitung', { source: 'hikvision', category: 'status', type: 'line_crossing', sensor: 'Garten', images: three }),
    );
    await nextResult(2);
    const [photo, album] = telegram.delivered;
    assert.equal(photo?.method, 'sendPhoto');
    assert.deepEqual(photo?.photos, [
      { name: 'snapshot-1.jpg', contentType: 'image/jpeg', bytes: jpegBytes(1), caption: 'Kamera Einfahrt_1: Bewegung erkannt' },
    ]);
    assert.equal(album?.method, 'sendMediaGroup');
    assert.deepEqual(
      album?.photos.map((sent) => [sent.name, sent.bytes, sent.caption]),
      [
        ['snapshot-2.jpg', jpegBytes(2), 'Kamera Garten: Linienüberschreitung'],
        ['snapshot-3.jpg', jpegBytes(3), undefined],
        ['snapshot-4.jpg', jpegBytes(4), undefined],
      ],
    );
  });

  it('sends the text alone when photos are off, when the snapshot is gone, or when Telegram refuses the picture', async () => {
    const stored = snapshots.add('snapshot-1.jpg', jpegBytes(1));
    const gone: ImageRef = { name: 'old.jpg', content_type: 'image/jpeg', size: 10, sha256: 'f'.repeat(64) };
    const withPhotos = await start();
    await withPhotos.output.deliver(event('no longer stored', { images: [gone] }));
    await withPhotos.nextResult(1);
    telegram.scripted.push(telegramError(400, 'Bad Request: IMAGE_PROCESS_FAILED'));
    await withPhotos.output.deliver(event('refused picture', { images: [stored] }));
    await withPhotos.nextResult(2);
    await withPhotos.output.stop();
    const withoutPhotos = await start({ photos: false });
    await withoutPhotos.output.deliver(event('photos off', { images: [stored] }));
    await withoutPhotos.nextResult(1);
    assert.deepEqual(
      telegram.delivered.map((message) => [message.method, message.text]),
      [
        ['sendMessage', 'no longer stored'],
        ['sendMessage', 'refused picture\n(photo not accepted by Telegram)'],
        ['sendMessage', 'photos off'],
      ],
    );
    assert.deepEqual(
      [...withPhotos.results, ...withoutPhotos.results].map((result) => result.result),
      ['sent', 'sent', 'sent'],
    );
  });

  it('sends the text alone when Telegram answers 413 to a photo, instead of failing the alarm', async () => {
    const { output, results, nextResult } = await start();
    telegram.scripted.push(tooLarge);
    await output.deliver(event('EINBRUCH Zone 3', { source: 'hikvision', images: [snapshots.add('snapshot-1.jpg', jpegBytes(1))] }));
    await nextResult(1);
    assert.equal(results[0]?.result, 'sent');
    assert.deepEqual(
      telegram.delivered.map((message) => [message.method, message.text]),
      [['sendMessage', 'EINBRUCH Zone 3\n(photo not accepted by Telegram)']],
    );
  });

  it('leaves out a photo over 10 MB and keeps an album within the request limit, saying so in the caption', async () => {
    const { output, nextResult } = await start({ uploadLimits: { photoBytes: 100, albumBytes: 250 } });
    telegram.maxPhotoBytes = 100;
    telegram.maxRequestBytes = 2_000;
    const sized = (seed: number, size: number) => Buffer.concat([jpegBytes(seed), Buffer.alloc(size - 12, seed)]);
    await output.deliver(event('one too large', { source: 'hikvision', images: [snapshots.add('big.jpg', sized(1, 101))] }));
    const album = [2, 3, 4, 5].map((seed) => snapshots.add(`snapshot-${seed}.jpg`, sized(seed, 100)));
    await output.deliver(event('album', { source: 'hikvision', images: album }));
    const results = await nextResult(2);
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'sent'],
    );
    const [text, sent] = telegram.delivered;
    assert.deepEqual([text?.method, text?.text], ['sendMessage', "one too large\n(1 photo left out: over Telegram's size limit)"]);
    assert.equal(sent?.method, 'sendMediaGroup');
    assert.deepEqual(
      sent?.photos.map((photo) => photo.name),
      ['snapshot-2.jpg', 'snapshot-3.jpg'],
    );
    assert.equal(sent?.photos[0]?.caption, "album\n(2 photos left out: over Telegram's size limit)");
  });

  it('leaves out a real 11 MB snapshot with the default limits', async () => {
    const { output, nextResult } = await start();
    await output.deliver(event('Bewegung', { source: 'hikvision', images: [snapshots.add('big.jpg', Buffer.alloc(11_000_000, 1))] }));
    await nextResult(1);
    assert.deepEqual(
      telegram.delivered.map((message) => [message.method, message.text]),
      [['sendMessage', "Bewegung\n(1 photo left out: over Telegram's size limit)"]],
    );
  });

  it('sends the text alone on the next attempt after a photo upload timed out', async () => {
    let release: () => void = () => undefined;
    telegram.hold = new Promise<void>((resolve) => (release = resolve));
    const output = await start({}, telegram.token, 200);
    await output.output.deliver(event('EINBRUCH Zone 3', { source: 'hikvision', images: [snapshots.add('snapshot-1.jpg', jpegBytes(1))] }));
    while (output.retries() < 1) await new Promise((resolve) => setImmediate(resolve));
    telegram.hold = undefined;
    release();
    const [result] = await output.nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.ok(output.logs.some((line) => line.includes('photo upload timed out')));
    // Two requests, the upload once: the retry was the text (the held upload may still arrive late, as it can at Telegram).
    assert.deepEqual(
      telegram.requests.map((request) => request.path.split('/').at(-1)),
      ['sendPhoto', 'sendMessage'],
    );
    assert.deepEqual(
      telegram.delivered.filter((message) => message.method === 'sendMessage').map((message) => message.text),
      ['EINBRUCH Zone 3\n(photo not sent: upload timed out)'],
    );
  });

  it('cuts a caption to 1,024 and a text to 4,096 characters with an ellipsis instead of failing', async () => {
    const { output, nextResult } = await start();
    const long = `Einbruch ${'Zone:1 Tür_1 *Süd* '.repeat(300)}`;
    await output.deliver(event(long));
    await output.deliver(event(long, { images: [snapshots.add('snapshot-1.jpg', jpegBytes(1))] }));
    const results = await nextResult(2);
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'sent'],
    );
    const [text, photo] = telegram.delivered;
    for (const [cut, limit] of [
      [text?.text, 4096],
      [photo?.photos[0]?.caption, 1024],
    ] as const) {
      assert.ok(cut && cut.length <= limit && cut.length > limit - 10, `${cut?.length} of ${limit}`);
      assert.ok(cut.endsWith('…') && long.startsWith(cut.slice(0, -1)));
    }
  });

  it('retries 5xx and a refused connection with backoff until the message is sent, and shows the problem meanwhile', async () => {
    telegram.scripted.push(serverError, telegramError(500, 'Internal Server Error'));
    const { output, nextResult, retries, problems } = await start();
    await output.deliver(event('Feueralarm'));
    const [result] = await nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.equal(retries(), 2);
    assert.equal(telegram.delivered.length, 1);
    assert.deepEqual(problems, [false, true, false]);
  });

  it('retries a message whose request Telegram takes and never answers, after the timeout, until it is sent', async () => {
    telegram.stalls.push('silent', 'trickle');
    const { output, nextResult, retries, logs } = await start({}, telegram.token, 300);
    await output.deliver(event('Feueralarm'));
    const [result] = await nextResult(1);
    assert.equal(result?.result, 'sent');
    assert.equal(telegram.requests.length, 3);
    assert.equal(retries(), 2);
    const retried = logs.filter((line) => line.includes('will retry'));
    assert.ok(
      retried.every((line) => line.includes('"code":"timeout"') && line.includes('no answer within 0.3 s')),
      retried.join('\n'),
    );
  });

  it('waits exactly the retry_after that Telegram gives with a 429, and says so at info without a stack', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    telegram.scripted.push(tooManyRequests(37));
    const { output, logs, results, problems } = await start({ retryBaseMs: 1_000, maxRetryDelayMs: 300_000 });
    await output.deliver(event('Einbruch'));
    while (!logs.some((line) => line.includes('will retry'))) await new Promise((resolve) => setImmediate(resolve));
    const retry = JSON.parse(logs.find((line) => line.includes('will retry')) ?? '{}') as {
      level?: number;
      msg?: string;
      retryInMs?: number;
      code?: string;
      reason?: string;
      err?: unknown;
    };
    // A throttle the bridge handles is routine: info, its code and reason, no error object and no stack.
    assert.deepEqual(
      [retry.level, retry.msg, retry.retryInMs, retry.code, retry.err],
      [30, 'Telegram message throttled by the service, will retry', 37_000, '429', undefined],
    );
    assert.match(retry.reason ?? '', /Too Many Requests: retry after 37/);
    assert.ok(!logs.some((line) => line.includes('not sent, will retry')), 'no "not sent" warning');
    assert.ok(!logs.some((line) => line.includes('TelegramUnreachable') || line.includes('"stack"')), logs.join(''));
    t.mock.timers.tick(36_999);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(telegram.requests.length, 1, 'not before the 37 s are over');
    t.mock.timers.tick(1);
    while (results.length < 1) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([results[0]?.result, telegram.requests.length, telegram.delivered.length], ['sent', 2, 1]);
    assert.ok(!problems.includes(true), `a handled throttle is no delivery problem in Home Assistant: ${JSON.stringify(problems)}`);
  });

  it('fails an unknown chat, a blocked bot and a wrong token at once and visibly, and still reaches the other chats', async () => {
    const { output, nextResult, problems, retries } = await start({ chatIds: ['42424242', '555555555', chat] });
    await output.deliver(event('Einbruch'));
    const results = await nextResult(3);
    const byChat = Object.fromEntries(results.map((result) => [result.chat, [result.result, result.error_code]]));
    assert.deepEqual(byChat, { '****4242': ['failed', '400'], '*****5555': ['failed', '403'], '*****6789': ['sent', undefined] });
    assert.match(results.find((result) => result.error_code === '403')?.error ?? '', /bot was blocked by the user/);
    assert.equal(retries(), 0, 'a final answer is not retried');
    assert.equal(problems.at(-1), true, 'the delivery problem stays while a chat fails');
    await output.stop();
    const wrongToken = await start({}, '987654321:AAwrong-token-xyz');
    await wrongToken.output.deliver(event('Einbruch mit falschem Token'));
    const [unauthorized] = await wrongToken.nextResult(1);
    assert.deepEqual([unauthorized?.result, unauthorized?.error_code], ['failed', '401']);
    assert.equal(wrongToken.retries(), 0);
  });

  it('folds what the hourly limit holds into one summary once the hour allows', async () => {
    const { output, results, nextResult, logs } = await start({ maxPerHour: 2 });
    for (const text of ['Alarm 1', 'Alarm 2', 'Alarm 3', 'Alarm 4']) await output.deliver(event(text));
    await nextResult(2);
    while (logs.filter((line) => line.includes('Telegram message held')).length < 2) await new Promise((resolve) => setImmediate(resolve));
    clockOffset += 60 * 60 * 1000 + 1;
    await output.deliver(event('Alarm 5'));
    await nextResult(6);
    assert.deepEqual(
      telegram.delivered.map((message) => message.text),
      ['Alarm 1', 'Alarm 2', '+2 more events: Alarm 3 | Alarm 4', 'Alarm 5'],
    );
    assert.deepEqual(results.map((result) => result.result).sort(), ['sent', 'sent', 'sent', 'sent', 'suppressed', 'suppressed']);
  });

  it('gives camera events their own hourly budget: 30 motion snapshots never hold back an alarm, and fold only with camera events', async () => {
    const { output, results, nextResult, logs } = await start({ maxPerHour: 30 });
    for (let index = 1; index <= 31; index++) {
      await output.deliver(
        event(`Bewegung ${index}`, {
          source: 'hikvision',
          category: 'status',
          type: 'motion',
          images: [snapshots.add(`snapshot-${index}.jpg`, jpegBytes(index))],
        }),
      );
    }
    await nextResult(30);
    while (!logs.some((line) => line.includes('Telegram message held'))) await new Promise((resolve) => setImmediate(resolve));
    await output.deliver(event('EINBRUCH Zone 3'));
    await nextResult(31);
    assert.equal(telegram.delivered.at(-1)?.text, 'EINBRUCH Zone 3', 'the alarm went out at once, not held behind the camera events');
    assert.equal(results.filter((result) => result.result === 'sent').length, 31);
    clockOffset += 60 * 60 * 1000 + 1;
    await output.deliver(event('Bewegung 32', { source: 'hikvision', category: 'status', type: 'motion' }));
    await nextResult(34);
    assert.deepEqual(
      telegram.delivered.slice(-2).map((message) => message.text),
      ['+1 more event (1 photo not sent): Bewegung 31', 'Bewegung 32'],
    );
  });

  it('does not send a camera "stop" event: it only ends the motion', async () => {
    const { output, nextResult } = await start();
    await output.deliver(event('Motion Stop', { source: 'hikvision', category: 'status', type: 'motion', phase: 'stop' }));
    await output.deliver(event('Motion Start', { source: 'hikvision', category: 'status', type: 'motion', phase: 'start' }));
    await nextResult(1);
    assert.deepEqual(
      telegram.delivered.map((message) => message.text),
      ['Motion Start'],
    );
  });

  it('rides out a Telegram outage of 15 minutes (mock timers) and then delivers each message once, in order', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    const outageMs = 15 * 60_000;
    const startedAt = Date.now();
    telegram.scripted.push(...Array.from({ length: 200 }, () => serverError));
    const { output, results, logs, retries } = await start({ retryBaseMs: 5_000, maxRetryDelayMs: 5 * 60_000, retryForMs: 60 * 60_000 });
    for (const text of ['Alarm 1', 'Alarm 2', 'Alarm 3']) await output.deliver(event(text));
    while (results.length < 3) {
      // Every request so far has its outcome (a retry logged, or a result): then the clock jumps to the next retry.
      while (retries() + results.length < telegram.requests.length || telegram.requests.length === 0)
        await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      if (results.length === 3) break;
      if (retries() + results.length < telegram.requests.length) continue;
      const retryInMs = Number(
        (JSON.parse(logs.filter((line) => line.includes('will retry')).at(-1) ?? '{}') as { retryInMs?: number }).retryInMs,
      );
      if (Date.now() + retryInMs - startedAt >= outageMs && telegram.scripted.length > 0) {
        telegram.scripted.length = 0;
        telegram.scripted.push(tooManyRequests(3)); // back, but busy for a moment
      }
      t.mock.timers.tick(retryInMs + 1);
    }
    assert.deepEqual(
      telegram.delivered.map((message) => message.text),
      ['Alarm 1', 'Alarm 2', 'Alarm 3'],
    );
    assert.deepEqual(
      results.map((result) => result.result),
      ['sent', 'sent', 'sent'],
    );
    const attempts = telegram.requests.length - 2;
    assert.ok(
      attempts >= 5 && attempts <= 25,
      `${attempts} attempts for the first message in 15 minutes: backing off, not hammering, not giving up`,
    );
    t.diagnostic(
      `Telegram down 15 min: ${telegram.requests.length} requests, all 3 messages delivered once, ${Math.round((Date.now() - startedAt - outageMs) / 1000)} s after it was back`,
    );
  });

  it('never writes the token or a whole chat id to the log or a result', async () => {
    telegram.scripted.push(serverError);
    const { output, nextResult, logs, results } = await start({ chatIds: [chat, '42424242'] });
    await output.deliver(event('Einbruch'));
    await nextResult(2);
    const text = logs.join('') + JSON.stringify(results);
    assert.ok(text.includes('6789'));
    for (const secret of [telegram.token, chat, '42424242', 'AAH-test']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  });
});
