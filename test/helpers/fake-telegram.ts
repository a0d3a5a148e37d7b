// The Telegram Bot API as documented (core.telegram.org/bots/api): `POST /bot<token>/<method>` with the parameters
// as JSON, form fields or multipart/form-data (files uploaded as parts, an album's named by `attach://<part>`);
// answers `{ok: true, result}` or `{ok: false, error_code, description, parameters?}`. Multipart is parsed by the
// Web `Request.formData()` of Node's fetch, so the bytes of every uploaded photo are recorded as received.
import { createHash } from 'node:crypto';
import { type Answer, HttpFake, type RecordedRequest } from './http-fake.js';

export function telegramError(
  errorCode: number,
  description: string,
  parameters?: { retry_after?: number; migrate_to_chat_id?: number },
): Answer {
  return { status: errorCode, body: { ok: false, error_code: errorCode, description, ...(parameters ? { parameters } : {}) } };
}

export const tooManyRequests = (retryAfter: number) =>
  telegramError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
export const serverError = telegramError(502, 'Bad Gateway');
/** What the Bot API answers to an upload over its limits (a photo over 10 MB, a request over 50 MB). */
export const tooLarge = telegramError(413, 'Request Entity Too Large');

export interface ReceivedPhoto {
  name: string;
  contentType: string;
  bytes: Buffer;
  caption: string | undefined;
}

/** A message the fake accepted and "delivered". */
export interface Delivered {
  method: 'sendMessage' | 'sendPhoto' | 'sendMediaGroup';
  chatId: string;
  text?: string;
  parseMode?: string;
  photos: ReceivedPhoto[];
  messageIds: number[];
}

type Params = Map<string, string | File>;

/** MarkdownV2's reserved characters: unescaped, Telegram refuses the text ("can't parse entities"). */
const markdownV2Reserved = /(?<!\\)[_*[\]()~`>#+\-=|{}.!]/;

export class FakeTelegram extends HttpFake {
  readonly token = '123456789:AAH-test_TOKEN-0123456789abcdefghijk';
  /** Chats the bot may write to: a private chat and a supergroup. */
  readonly chats = new Set(['123456789', '-1001234567890']);
  /** Chats whose user blocked the bot. */
  readonly blocked = new Set(['555555555']);
  /** Groups upgraded to a supergroup, and the supergroup's id the Bot API names in `migrate_to_chat_id`. */
  readonly migrated = new Map([['-987654321', -1009876543210]]);
  readonly delivered: Delivered[] = [];
  /** Telegram's upload limits (core.telegram.org/bots/api#sending-files); a test may lower them to stay small. */
  maxPhotoBytes = 10_000_000;
  maxRequestBytes = 50_000_000;
  #nextMessageId = 1;
  #waiters: (() => void)[] = [];

  protected async answer(request: RecordedRequest): Promise<Answer> {
    const match = /^\/bot([^/]+)\/(\w+)(?:\?.*)?$/.exec(request.path);
    if (!match) return telegramError(404, 'Not Found');
    if (request.raw.length > this.maxRequestBytes) return tooLarge;
    const [, token, method] = match;
    if (decodeURIComponent(token ?? '') !== this.token) return telegramError(401, 'Unauthorized');
    const params = await paramsOf(request);
    const chatId = stringParam(params, 'chat_id');
    if (!['sendMessage', 'sendPhoto', 'sendMediaGroup'].includes(method ?? '')) return telegramError(404, 'Not Found');
    if (!chatId) return telegramError(400, 'Bad Request: chat_id is empty');
    const migratedTo = this.migrated.get(chatId);
    if (migratedTo !== undefined)
      return telegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: migratedTo });
    if (this.blocked.has(chatId)) return telegramError(403, 'Forbidden: bot was blocked by the user');
    if (!this.chats.has(chatId)) return telegramError(400, 'Bad Request: chat not found');
    const parseMode = stringParam(params, 'parse_mode');
    switch (method) {
      case 'sendMessage': {
        const text = stringParam(params, 'text') ?? '';
        if (text.trim() === '') return telegramError(400, 'Bad Request: message text is empty');
        if (text.length > 4096) return telegramError(400, 'Bad Request: message is too long');
        if (parseMode === 'MarkdownV2' && markdownV2Reserved.test(text))
          return telegramError(400, "Bad Request: can't parse entities: Character is reserved and must be escaped with the preceding '\\'");
        return this.#deliver({ method, chatId, text, ...(parseMode ? { parseMode } : {}), photos: [] }, (id) => ({
          message_id: id,
          date: now(),
          chat: chatOf(chatId),
          text,
        }));
      }
      case 'sendPhoto': {
        const caption = stringParam(params, 'caption');
        if (caption !== undefined && caption.length > 1024) return telegramError(400, 'Bad Request: message caption is too long');
        const photo = params.get('photo');
        if (!(photo instanceof File)) return telegramError(400, 'Bad Request: there is no photo in the request');
        if (photo.size > this.maxPhotoBytes) return tooLarge;
        const received = await receivedPhoto(photo, caption);
        return this.#deliver({ method, chatId, ...(parseMode ? { parseMode } : {}), photos: [received] }, (id) => ({
          message_id: id,
          date: now(),
          chat: chatOf(chatId),
          photo: photoSizes(received.bytes),
          ...(caption ? { caption } : {}),
        }));
      }
      default: {
        let media: { type?: string; media?: string; caption?: string }[];
        try {
          media = JSON.parse(stringParam(params, 'media') ?? '') as typeof media;
        } catch {
          return telegramError(400, "Bad Request: can't parse media JSON object");
        }
        if (!Array.isArray(media) || media.length < 2 || media.length > 10)
          return telegramError(400, 'Bad Request: wrong number of media, must be 2-10');
        const photos: ReceivedPhoto[] = [];
        for (const item of media) {
          if (item.caption !== undefined && item.caption.length > 1024)
            return telegramError(400, 'Bad Request: message caption is too long');
          const attached = /^attach:\/\/(.+)$/.exec(item.media ?? '')?.[1];
          const file = attached === undefined ? undefined : params.get(attached);
          if (item.type !== 'photo' || !(file instanceof File))
            return telegramError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
          if (file.size > this.maxPhotoBytes) return tooLarge;
          photos.push(await receivedPhoto(file, item.caption));
        }
        const ids = photos.map(() => this.#nextMessageId++);
        this.#record({ method: 'sendMediaGroup', chatId, photos, messageIds: ids });
        return {
          status: 200,
          body: {
            ok: true,
            result: ids.map((id, index) => ({
              message_id: id,
              media_group_id: String(ids[0]),
              date: now(),
              chat: chatOf(chatId),
              photo: photoSizes(photos[index]?.bytes ?? Buffer.alloc(0)),
              ...(photos[index]?.caption ? { caption: photos[index]?.caption } : {}),
            })),
          },
        };
      }
    }
  }

  #deliver(message: Omit<Delivered, 'messageIds'>, result: (id: number) => unknown): Answer {
    const id = this.#nextMessageId++;
    this.#record({ ...message, messageIds: [id] });
    return { status: 200, body: { ok: true, result: result(id) } };
  }

  /** Resolves once `count` messages were accepted. */
  async deliveredCount(count: number): Promise<Delivered[]> {
    while (this.delivered.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.delivered;
  }

  #record(message: Delivered): void {
    this.delivered.push(message);
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Query string, then the body as JSON, urlencoded or multipart: the four ways the Bot API takes parameters. */
async function paramsOf(request: RecordedRequest): Promise<Params> {
  const params: Params = new Map(new URL(request.path, 'http://fake').searchParams);
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    for (const [key, value] of Object.entries(JSON.parse(request.body || '{}') as Record<string, unknown>))
      params.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(request.body)) params.set(key, value);
  } else if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: request.raw }).formData();
    for (const [key, value] of form) params.set(key, value);
  }
  return params;
}

function stringParam(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return typeof value === 'string' ? value : undefined;
}

async function receivedPhoto(file: File, caption: string | undefined): Promise<ReceivedPhoto> {
  return { name: file.name, contentType: file.type, bytes: Buffer.from(await file.arrayBuffer()), caption };
}

function photoSizes(bytes: Buffer): unknown[] {
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return [{ file_id: `AgAC${id}`, file_unique_id: `AQAD${id.slice(0, 8)}`, width: 320, height: 240, file_size: bytes.length }];
}

function chatOf(chatId: string): unknown {
  return chatId.startsWith('-')
    ? { id: Number(chatId), type: 'supergroup', title: 'Alarm' }
    : { id: Number(chatId), type: 'private', first_name: 'Test' };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
