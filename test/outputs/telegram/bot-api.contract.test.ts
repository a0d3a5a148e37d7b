// The Bot API client against a local server that follows the Bot API as documented: what arrives (texts as
// written, photo bytes, albums), and how each documented failure is classed; the token in no error.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { BotApi, type Photo, TelegramRejected, TelegramUnreachable } from '../../../src/outputs/telegram/bot-api.js';
import { FakeTelegram, serverError, telegramError, tooManyRequests } from '../../helpers/fake-telegram.js';
import { freePort } from '../../helpers/ports.js';

const chat = '123456789';
const jpeg = (seed: number): Photo => ({
  name: `snapshot-${seed}.jpg`,
  contentType: 'image/jpeg',
  bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, seed, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0xd9]),
});

describe('Telegram Bot API client', () => {
  const telegram = new FakeTelegram();
  const api = (overrides: { token?: string; apiUrl?: string; timeoutMs?: number } = {}) =>
    new BotApi({ token: telegram.token, apiUrl: telegram.url, timeoutMs: 5_000, ...overrides });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      (value) => assert.fail(`resolved with ${JSON.stringify(value)}`),
      (error: unknown) => error,
    );
  /** What a log line would carry of the error: pino's serializer includes the causes and every own field. */
  const logged = (error: unknown) => JSON.stringify(pino.stdSerializers.err(error as Error));

  before(() => telegram.start());
  after(() => telegram.stop());
  beforeEach(() => {
    telegram.scripted.length = 0;
    telegram.delivered.length = 0;
  });

  it('sends a text exactly as written, without a parse mode, and returns the message id', async () => {
    const text = 'Zone:1 Tür_1 *Süd* [Flur] (EG) <b>Alarm</b> 50% #1 a.b!';
    const id = await api().sendMessage(chat, text);
    assert.deepEqual(
      telegram.delivered.map(({ method, chatId, text, parseMode }) => ({ method, chatId, text, parseMode })),
      [{ method: 'sendMessage', chatId: chat, text, parseMode: undefined }],
    );
    assert.equal(id, telegram.delivered[0]?.messageIds[0]);
  });

  it('uploads a photo as multipart with its bytes, type, name and caption', async () => {
    const photo = jpeg(1);
    await api().sendPhoto(chat, photo, 'Kamera Einfahrt: Bewegung_1 *erkannt*');
    const [sent] = telegram.delivered;
    assert.equal(sent?.method, 'sendPhoto');
    assert.deepEqual(sent?.photos, [
      { name: photo.name, contentType: 'image/jpeg', bytes: photo.bytes, caption: 'Kamera Einfahrt: Bewegung_1 *erkannt*' },
    ]);
  });

  it('sends several photos as one album, the caption with the first', async () => {
    const photos = [jpeg(1), jpeg(2), jpeg(3)];
    const ids = await api().sendMediaGroup('-1001234567890', photos, 'Kamera Garten');
    const [album] = telegram.delivered;
    assert.equal(telegram.delivered.length, 1, 'one request, one album');
    assert.equal(album?.method, 'sendMediaGroup');
    assert.deepEqual(
      album?.photos.map((photo) => photo.bytes),
      photos.map((photo) => photo.bytes),
    );
    assert.deepEqual(
      album?.photos.map((photo) => photo.caption),
      ['Kamera Garten', undefined, undefined],
    );
    assert.deepEqual(ids, album?.messageIds);
  });

  it('reports 429 as temporary, with the wait Telegram asked for', async () => {
    telegram.scripted.push(tooManyRequests(7));
    const error = await failureOf(api().sendMessage(chat, 'Alarm'));
    assert.ok(error instanceof TelegramUnreachable, String(error));
    assert.deepEqual([error.code, error.retryAfterMs, error.throttled], ['429', 7_000, true]);
  });

  it('reports 5xx as temporary, to be retried with backoff', async () => {
    telegram.scripted.push(serverError, telegramError(500, 'Internal Server Error'));
    for (let i = 0; i < 2; i++) {
      const error = await failureOf(api().sendMessage(chat, 'Alarm'));
      assert.ok(error instanceof TelegramUnreachable, String(error));
      assert.equal(error.retryAfterMs, undefined);
    }
  });

  it('gives up on a server that takes the request and never answers, or never finishes its answer, as temporary', async () => {
    for (const stall of ['silent', 'trickle'] as const) {
      telegram.stalls.push(stall);
      const error = await failureOf(api({ timeoutMs: 300 }).sendMessage(chat, 'Alarm'));
      assert.ok(error instanceof TelegramUnreachable, `${stall}: ${String(error)}`);
      assert.equal(error.code, 'timeout', stall);
      assert.match(pino.stdSerializers.err(error).message, /no answer within 0\.3 s/, stall);
    }
    assert.equal(telegram.delivered.length, 0);
  });

  it('reports an unknown chat, a blocked bot and a wrong token as final, with Telegram code and words', async () => {
    const cases: [Promise<unknown>, string, RegExp][] = [
      [api().sendMessage('42', 'Alarm'), '400', /chat not found/],
      [api().sendPhoto('555555555', jpeg(1), 'Alarm'), '403', /bot was blocked by the user/],
      [api({ token: '987654321:AAwrong-token-xyz' }).sendMessage(chat, 'Alarm'), '401', /Unauthorized/],
    ];
    for (const [sending, code, words] of cases) {
      const error = await failureOf(sending);
      assert.ok(error instanceof TelegramRejected, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, words);
    }
    assert.equal(telegram.delivered.length, 0);
  });

  it('reports a closed port as temporary, its cause said once and no token anywhere', async () => {
    const port = await freePort();
    const error = await failureOf(api({ apiUrl: `http://127.0.0.1:${port}` }).sendMessage(chat, 'Alarm'));
    assert.ok(error instanceof TelegramUnreachable, String(error));
    assert.equal(error.code, 'ECONNREFUSED');
    const { message } = pino.stdSerializers.err(error);
    assert.equal(message, `Telegram not reachable: connect ECONNREFUSED 127.0.0.1:${port}`);
    const line = logged(error);
    assert.ok(!line.includes(telegram.token) && !line.includes('AAH-test'), line);
  });

  it('keeps the token out of every failure, also where fetch quotes the URL', async () => {
    // fetch's own message for a URL it cannot parse is "Failed to parse URL from <url>", the token inside.
    const raw = await failureOf(fetch(`http://exa mple.invalid/bot${telegram.token}/sendMessage`));
    assert.ok(logged(raw).includes(telegram.token), 'fetch itself quotes the URL');
    const broken = await failureOf(api({ apiUrl: 'http://exa mple.invalid' }).sendMessage(chat, 'Alarm'));
    const wrongToken = await failureOf(api({ token: `${telegram.token}x` }).sendMessage(chat, 'Alarm'));
    for (const error of [broken, wrongToken]) {
      const line = logged(error);
      assert.ok(!line.includes('AAH-test_TOKEN'), line);
    }
  });

  it('names the new chat id, masked, when a group was upgraded to a supergroup', async () => {
    const error = await failureOf(api().sendMessage('-987654321', 'Alarm'));
    assert.ok(error instanceof TelegramRejected, String(error));
    assert.equal(error.code, '400');
    assert.match(
      error.message,
      /group chat was upgraded to a supergroup chat; the group's new chat id ends in \*{10}3210: put it into telegram\.chat_ids$/,
    );
    assert.ok(!error.message.includes('1009876543210'));
  });

  it("reports a proxy's error page without a Bot API answer as temporary, with its HTTP status as the code", async () => {
    const proxy = createServer((_request, response) =>
      response.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>Bad Gateway</html>'),
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const error = await failureOf(
        api({ apiUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }).sendMessage(chat, 'Alarm'),
      );
      assert.ok(error instanceof TelegramUnreachable, String(error));
      assert.equal(error.code, '502');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
