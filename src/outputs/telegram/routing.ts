// Which events go to Telegram: those whose category is in `send_on`, and with `camera` in it every camera event
// (one from a camera profile, or any event that carries images).
import type { AlarmEvent, Category } from '../../core/event.js';
import type { ImageRef } from '../../core/images.js';

export const telegramTriggers = ['alarm', 'status', 'trouble', 'test', 'camera'] as const satisfies readonly (Category | 'camera')[];
export type TelegramTrigger = (typeof telegramTriggers)[number];

/** An event as outputs see it once camera sources add their snapshots. */
export type EventWithImages = AlarmEvent & { images?: readonly ImageRef[] };

export interface TelegramRouting {
  sendOn: readonly TelegramTrigger[];
  /** Names of the camera profiles (the event's `source`). */
  cameraSources: ReadonlySet<string>;
}

export function isCameraEvent(event: EventWithImages, cameraSources: ReadonlySet<string>): boolean {
  return cameraSources.has(event.source) || (event.images?.length ?? 0) > 0;
}

export function sendsToTelegram(event: EventWithImages, routing: TelegramRouting): boolean {
  if (routing.sendOn.includes(event.category)) return true;
  return routing.sendOn.includes('camera') && isCameraEvent(event, routing.cameraSources);
}
