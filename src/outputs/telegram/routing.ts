// Which events go to Telegram, and to which chats: an event that names its chats (`to.telegram`, an escalation level's)
// to those alone; else those whose category is in `send_on`, and with `camera` in it every camera event (one from a
// camera profile, or any event that carries images), to the configured chats; never a camera's "stop".
import { type AlarmEvent, type Category, testDelivery } from '../../core/event.js';

export const telegramTriggers = ['alarm', 'status', 'trouble', 'test', 'camera'] as const satisfies readonly (Category | 'camera')[];
export type TelegramTrigger = (typeof telegramTriggers)[number];

export interface TelegramRouting {
  sendOn: readonly TelegramTrigger[];
  /** Names of the camera profiles (the event's `source`). */
  cameraSources: ReadonlySet<string>;
}

/** A numeric chat id (`123456789`, a group's `-1001234567890`) or a public channel's `@name`. */
export const chatIdPattern = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

export interface TelegramChats {
  /** Each once. */
  chats: string[];
  /** Entries of the event's own `to.telegram` that are no chat id, as written: to be logged masked. */
  unreadable: string[];
}

/** The chats an event goes to: its own `to.telegram` (and nowhere else when it names none), or the configured ones. */
export function telegramChats(event: AlarmEvent, routing: TelegramRouting & { chatIds: readonly string[] }): TelegramChats {
  if (event.to) {
    const targets = (event.to.telegram ?? []).map((chat) => chat.trim());
    return {
      chats: [...new Set(targets.filter((chat) => chatIdPattern.test(chat)))],
      unreadable: targets.filter((chat) => !chatIdPattern.test(chat)),
    };
  }
  return { chats: sendsToTelegram(event, routing) ? [...new Set(routing.chatIds)] : [], unreadable: [] };
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
  // The same alarm came by another input first (a mail and a Contact ID report): its message went then.
  if (event.duplicate_of !== undefined) return false;
  if (routing.sendOn.includes(event.category)) return true;
  return routing.sendOn.includes('camera') && isCameraEvent(event, routing.cameraSources);
}
