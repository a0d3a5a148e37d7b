// The three Telegram Bot API methods we use (sendMessage, sendPhoto, sendMediaGroup), over Node's own fetch and
// FormData; files go up as multipart, an album's files named by `attach://` (core.telegram.org/bots/api).
// The token is part of every URL (`/bot<token>/sendMessage`), so no URL, and nothing a failed request says, leaves
// this file without the token taken out.
import { maskNumber } from '../../core/mask.js';
import { DeliveryRejected, DeliveryUnreachable } from '../outbox/failures.js';

export interface BotApiSettings {
  token: string;
  /** `https://api.telegram.org`, a local Bot API server or a proxy; the token and method are appended. */
  apiUrl: string;
  timeoutMs: number;
}

export interface Photo {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** Telegram answered `ok: false` with a code that retrying would only repeat: 400 chat not found, 401, 403 blocked. */
export class TelegramRejected extends DeliveryRejected {}

/** Telegram could not be reached, or answered 429 (with `retry_after`) or 5xx. */
export class TelegramUnreachable extends DeliveryUnreachable {}

/** An album has 2 to 10 items (sendMediaGroup). */
export const maxAlbumPhotos = 10;

interface BotApiAnswer {
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export class BotApi {
  readonly #settings: BotApiSettings;

  constructor(settings: BotApiSettings) {
    this.#settings = { ...settings, apiUrl: settings.apiUrl.replace(/\/+$/, '') };
  }

  /** No `parse_mode`: the text arrives exactly as written, `Tür_1 *Süd*` included. Resolves with the message id. */
  async sendMessage(chatId: string, text: string): Promise<number> {
    const message = await this.#call('sendMessage', JSON.stringify({ chat_id: chatId, text }));
    return messageIdOf(message);
  }

  async sendPhoto(chatId: string, photo: Photo, caption: string): Promise<number> {
    const form = new FormData();
    form.append('chat_id', chatId);
    if (caption) form.append('caption', caption);
    form.append('photo', new Blob([photo.bytes], { type: photo.contentType }), photo.name);
    return messageIdOf(await this.#call('sendPhoto', form));
  }

  /** One album; the caption goes with the first photo, which is how Telegram shows an album's caption. */
  async sendMediaGroup(chatId: string, photos: readonly Photo[], caption: string): Promise<number[]> {
    const form = new FormData();
    form.append('chat_id', chatId);
    const media = photos.map((_photo, index) => ({
      type: 'photo',
      media: `attach://photo${index}`,
      ...(index === 0 && caption ? { caption } : {}),
    }));
    form.append('media', JSON.stringify(media));
    for (const [index, photo] of photos.entries())
      form.append(`photo${index}`, new Blob([photo.bytes], { type: photo.contentType }), photo.name);
    const messages = await this.#call('sendMediaGroup', form);
    return Array.isArray(messages) ? messages.map(messageIdOf) : [];
  }

  async #call(method: string, body: string | FormData): Promise<unknown> {
    const url = `${this.#settings.apiUrl}/bot${this.#settings.token}/${method}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        ...(typeof body === 'string' ? { headers: { 'Content-Type': 'application/json' } } : {}),
        signal: AbortSignal.timeout(this.#settings.timeoutMs),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    let answer: BotApiAnswer | undefined;
    try {
      answer = (await response.json()) as BotApiAnswer;
    } catch (error) {
      // A proxy's HTML error page, or a connection cut in the middle of the answer.
      if (response.ok || response.status >= 500 || response.status === 429) throw this.#unreachable(error, response.status);
    }
    if (answer?.ok) return answer.result;
    const code = answer?.error_code ?? response.status;
    const description = this.#redact(answer?.description ?? `HTTP ${response.status} ${response.statusText}`);
    if (code === 429 || code >= 500) {
      const retryAfter = answer?.parameters?.retry_after;
      const retryAfterMs = typeof retryAfter === 'number' && retryAfter >= 0 ? retryAfter * 1000 : undefined;
      throw new TelegramUnreachable(code, `Telegram answered ${code} to ${method}: ${description}`, {
        throttled: code === 429,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    // A group that became a supergroup has a new id; the old one is refused for good, so say which to configure.
    const migratedTo = answer?.parameters?.migrate_to_chat_id;
    const migration =
      typeof migratedTo === 'number'
        ? `; the group's new chat id ends in ${maskNumber(String(migratedTo))}: put it into telegram.chat_ids`
        : '';
    throw new TelegramRejected(code, `Telegram refused ${method} (${code}): ${description}${migration}`);
  }

  /**
   * The socket's own words (connect ECONNREFUSED 127.0.0.1:8081, the timeout) as the cause, copied into a fresh
   * error with the token taken out: fetch's own errors can quote the URL ("Failed to parse URL from …/bot<token>/…").
   */
  #unreachable(error: unknown, status?: number): TelegramUnreachable {
    let innermost: unknown = error;
    while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
    const { code, name } = (innermost ?? {}) as { code?: unknown; name?: unknown };
    // The time bound cut the request off, before the answer or in the middle of its body.
    if (name === 'TimeoutError') {
      const cause = Object.assign(new Error(`no answer within ${this.#settings.timeoutMs / 1000} s`), { code: 'timeout' });
      return new TelegramUnreachable('timeout', 'Telegram not reachable', { cause });
    }
    // An answer without a Bot API body (a proxy's 502 page) keeps its HTTP status as the code, which says more.
    const reason = status !== undefined && status >= 400 ? String(status) : typeof code === 'string' ? code : 'network';
    const cause = Object.assign(new Error(this.#redact(innermost instanceof Error ? innermost.message : String(innermost))), {
      code: reason,
    });
    const message = status === undefined ? 'Telegram not reachable' : `Telegram answered HTTP ${status} without a Bot API answer`;
    return new TelegramUnreachable(reason, message, { cause });
  }

  #redact(text: string): string {
    const { token } = this.#settings;
    if (!token) return text;
    return text.split(token).join('<token>').split(encodeURIComponent(token)).join('<token>');
  }
}

function messageIdOf(message: unknown): number {
  const id = (message as { message_id?: unknown } | null)?.message_id;
  return typeof id === 'number' ? id : 0;
}
