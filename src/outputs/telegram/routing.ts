// Which events go to Telegram: those whose category is in `send_on`, and with `camera` in it every camera event
// (one from a camera profile, or any event that carries images); never a camera's "stop".
import { type AlarmEvent, type Category, testDelivery } from '../../core/event.js';

export const telegramTriggers = ['alarm', 'status', 'trouble', 'test', 'camera'] as const satisfies readonly (Category | 'camera')[];
export type TelegramTrigger = (typeof telegramTriggers)[number];

export interface TelegramRouting {
  sendOn: readonly TelegramTrigger[];
  /** Names of the camera profiles (the event's `source`). */
  cameraSources: ReadonlySet<string>;
}

export function isCameraEvent(event: AlarmEvent, cameraSources: ReadonlySet<string>): boolean {
  return cameraSources.has(event.source) || (event.images?.length ?? 0) > 0;
}

export function sendsToTelegram(event: AlarmEvent, routing: TelegramRouting): boolean {
  // A status page's test goes to the chats when asked to, whatever send_on says, and else nowhere.
  const test = testDelivery(event);
  if (test !== undefined) return test;
  // A camera's "stop" only ends the motion MQTT shows; as a message it would be a second ping for one event.
  if (event.phase === 'stop' && isCameraEvent(event, routing.cameraSources)) return false;
  if (routing.sendOn.includes(event.category)) return true;
  return routing.sendOn.includes('camera') && isCameraEvent(event, routing.cameraSources);
}
