// The Telegram output: each (event, chat) becomes a durable job in the shared outbox (outputs/outbox), with the
// same retries, order per chat, flood limit and summaries as SMS. A text event goes out as a message; a camera
// event's snapshot as a photo with the text as caption, several as one album, the bytes read from the image store.

import type { AlarmEvent } from '../../core/event.js';
import type { ImageRef, ImageStore } from '../../core/images.js';
import { maskNumber } from '../../core/mask.js';
import type { Logger } from '../../log.js';
import type { JobStore } from '../../spool/job-store.js';
import { newJob, Outbox, type OutboxJob, type OutboxProgress, type OutboxResult, type OutboxSettings } from '../outbox/outbox.js';
import type { DeliveryReceipt, Output } from '../output.js';
import { renderTemplate } from '../template.js';
import { type BotApi, maxAlbumPhotos, type Photo, TelegramRejected, TelegramUnreachable } from './bot-api.js';
import { isCameraEvent, type TelegramRouting, telegramChats } from './routing.js';
import { captionLimit, fitToLimit, nonEmpty, textLimit } from './text.js';

export interface TelegramJob extends OutboxJob {
  /** The chat id (`123456789`, `-100…` for a group, `@channel`); `text` is the message, or the photos' caption. */
  to: string;
  /** The event's snapshots, sent as photos when `photos` is on; empty for a text message. */
  images: ImageRef[];
  /**
   * `camera`: counts against the chat's camera budget and folds only with camera messages, so no number of motion
   * snapshots can hold back an alarm. Missing on jobs stored before it existed: `event`.
   */
  kind?: 'camera' | 'event';
  /** A photo upload timed out: the next attempts send the text alone (set by the failed attempt, stored by the outbox). */
  textOnly?: boolean;
}

/**
 * What Telegram takes in one upload (core.telegram.org/bots/api#sending-files): a photo up to 10 MB, a request up
 * to 50 MB; over that it answers 413. Counted in decimal megabytes, and the album a megabyte short of the limit for
 * the multipart form around the pictures.
 */
export interface UploadLimits {
  photoBytes: number;
  albumBytes: number;
}
export const telegramUploadLimits: UploadLimits = { photoBytes: 10_000_000, albumBytes: 49_000_000 };

/** A final answer, for "last Telegram result" in Home Assistant; the chat only masked. */
export interface TelegramResult extends OutboxResult {
  chat: string;
}

export type FinishedTelegramJob = TelegramJob & { outcome: TelegramResult };

export interface TelegramSettings extends TelegramRouting, OutboxSettings {
  chatIds: readonly string[];
  template: string;
  /** Camera snapshots as photos; off: only the text. */
  photos: boolean;
  /** Telegram's own by default; smaller in tests. */
  uploadLimits?: UploadLimits;
}

export interface TelegramDependencies {
  api: BotApi;
  /** Where camera sources keep snapshots; without it every event goes out as text. */
  images: ImageStore | undefined;
  jobs: JobStore<TelegramJob, FinishedTelegramJob>;
  log: Logger;
  /** A service's error text as it may be logged or published (OutputContext.maskText). */
  maskText: (text: string) => string;
  /** Every final answer. Must not block. */
  onResult: (result: TelegramResult) => void;
  /** A message waits for a retry, or the last one to some chat failed; on each change and once at start. */
  onProblem: (problem: boolean) => void;
  now?: () => number;
  /** Where each message stands (`message` on the bus). Must not block. */
  onProgress?: (progress: OutboxProgress) => void;
  /** Told the outbox's depth (`outbox/telegram` on the bus); closed at stop. */
  backlog?: { set(depth: number): void; close(): void };
}

export class TelegramOutput implements Output {
  readonly name = 'telegram';
  readonly #settings: TelegramSettings;
  readonly #deps: TelegramDependencies;
  readonly #now: () => number;
  readonly #outbox: Outbox<TelegramJob, TelegramResult>;

  constructor(settings: TelegramSettings, deps: TelegramDependencies) {
    this.#settings = settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#outbox = new Outbox<TelegramJob, TelegramResult>(settings, {
      noun: 'Telegram message',
      jobs: deps.jobs,
      log: deps.log,
      now: this.#now,
      send: (job) => this.#send(job),
      // Two motion snapshots with the same caption are two messages; the same text twice within a minute is one.
      fingerprint: (job) => [job.text, ...job.images.map((image) => image.sha256)].join('\n'),
      budget: (job) => job.kind ?? 'event',
      duplicateError: 'same message to the same recipient within 60 s',
      summarize: (folded) => ({ text: foldedSummary(folded), images: [] }),
      toResult: (job, { time, ...outcome }) => ({ time, chat: maskNumber(job.to), ...outcome }),
      mask: maskNumber,
      maskText: deps.maskText,
      onResult: deps.onResult,
      onProblem: deps.onProblem,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      backlog: deps.backlog,
    });
  }

  async start(): Promise<void> {
    await this.#outbox.start();
  }

  /** Only stores the jobs: sending happens apart, so MQTT and intake never wait for Telegram. */
  async deliver(event: AlarmEvent): Promise<DeliveryReceipt> {
    const { chats, unreadable } = telegramChats(event, this.#settings);
    for (const chat of unreadable)
      this.#deps.log.warn({ mailId: event.id, to: maskNumber(chat) }, 'Telegram target of the event is no chat id, skipped');
    if (chats.length === 0) return { messages: 0 };
    const now = this.#now();
    const text = fitToLimit(nonEmpty(renderTemplate(this.#settings.template, event), `${event.category}: ${event.type}`), textLimit);
    const images = this.#settings.photos ? [...(event.images ?? [])] : [];
    const kind: TelegramJob['kind'] = isCameraEvent(event, this.#settings.cameraSources) ? 'camera' : 'event';
    const jobs = chats.map((to) => ({
      ...newJob(event.id, to, text, now, this.#settings.retryForMs),
      images,
      kind,
    }));
    await this.#outbox.add(jobs);
    return { messages: jobs.length };
  }

  /** Messages of these events that have not gone out finish `suppressed` with the reason (Outbox.withdraw). */
  async withdraw(eventIds: readonly string[], reason: string): Promise<void> {
    await this.#outbox.withdraw(eventIds, reason);
  }

  async stop(): Promise<void> {
    await this.#outbox.stop();
  }

  async #send(job: TelegramJob): Promise<{ messageId: string | null }> {
    const { api, log } = this.#deps;
    if (job.textOnly) return this.#sendText(job, 'photo not sent: upload timed out');
    const { photos, leftOut } = await this.#photosOf(job);
    const note = leftOut === 0 ? '' : `\n(${leftOut} photo${leftOut === 1 ? '' : 's'} left out: over Telegram's size limit)`;
    if (photos.length === 0) return { messageId: String(await api.sendMessage(job.to, fitToLimit(job.text + note, textLimit))) };
    // The note goes first where a long text would cut it off.
    const caption = note === '' ? fitToLimit(job.text, captionLimit) : `${fitToLimit(job.text, captionLimit - note.length)}${note}`;
    try {
      if (photos.length === 1 && photos[0]) return { messageId: String(await api.sendPhoto(job.to, photos[0], caption)) };
      const [first] = await api.sendMediaGroup(job.to, photos, caption);
      return { messageId: first === undefined ? null : String(first) };
    } catch (error) {
      // An upload that does not finish in time will not on the next try either (a slow uplink, a large picture):
      // the alarm's text goes alone on the next attempt instead of the same upload until retry_minutes end.
      if (error instanceof TelegramUnreachable && error.code === 'timeout') {
        job.textOnly = true;
        log.warn(
          { mailId: job.eventId, to: maskNumber(job.to), err: error },
          'Telegram photo upload timed out, the next attempt sends the text alone',
        );
        throw error;
      }
      // A picture Telegram cannot take (400 IMAGE_PROCESS_FAILED, 413 too large) must not cost the alarm: the text goes alone.
      if (!(error instanceof TelegramRejected) || !['400', '413'].includes(error.code) || /chat/i.test(error.message)) throw error;
      log.warn({ mailId: job.eventId, to: maskNumber(job.to), err: error }, 'Telegram refused the photo, sending the text alone');
      return this.#sendText(job, 'photo not accepted by Telegram');
    }
  }

  async #sendText(job: TelegramJob, why: string): Promise<{ messageId: string | null }> {
    return { messageId: String(await this.#deps.api.sendMessage(job.to, fitToLimit(`${job.text}\n(${why})`, textLimit))) };
  }

  /**
   * The stored snapshots, at most one album's worth and within Telegram's upload limits; one no longer stored
   * (removed by age) is left out and logged, one over the limits is left out and counted for the caption.
   */
  async #photosOf(job: TelegramJob): Promise<{ photos: Photo[]; leftOut: number }> {
    const store = this.#deps.images;
    const limits = this.#settings.uploadLimits ?? telegramUploadLimits;
    const photos: Photo[] = [];
    let leftOut = 0;
    let albumBytes = 0;
    if (!store) return { photos, leftOut };
    for (const image of job.images.slice(0, maxAlbumPhotos)) {
      const bytes = await store.read(image);
      if (!bytes) {
        this.#deps.log.warn({ mailId: job.eventId, image: image.name }, 'snapshot no longer stored, not sent');
      } else if (bytes.length > limits.photoBytes || albumBytes + bytes.length > limits.albumBytes) {
        leftOut += 1;
        this.#deps.log.warn(
          { mailId: job.eventId, image: image.name, bytes: bytes.length },
          "snapshot over Telegram's upload limit, not sent",
        );
      } else {
        albumBytes += bytes.length;
        photos.push({ name: image.name, contentType: image.content_type, bytes });
      }
    }
    return { photos, leftOut };
  }
}

/** `+2 more events: a | b`, the photos of the held messages only counted. */
function foldedSummary(folded: readonly TelegramJob[]): string {
  const photos = folded.reduce((sum, job) => sum + job.images.length, 0);
  const unsent = photos === 0 ? '' : ` (${photos} photo${photos === 1 ? '' : 's'} not sent)`;
  return fitToLimit(
    `+${folded.length} more event${folded.length === 1 ? '' : 's'}${unsent}: ${folded.map((job) => job.text).join(' | ')}`,
    textLimit,
  );
}
