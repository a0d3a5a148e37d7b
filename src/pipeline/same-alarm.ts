// The same alarm by two inputs: the XT1 mails an alarm and reports it by Contact ID, and both become events. The
// later of the two is marked `duplicate_of` the earlier, so that messaging outputs send one SMS and one Telegram
// message (MQTT carries both). Two alarms are the same when they come by different panel inputs within the window
// (by their arrival times), name the same type (or one is the mail path's fallback `alarm`, a line no profile
// knew) and the same zone (or one names none). Each event pairs with one of the other input at most, the earliest,
// so two real alarms of one zone, each by both paths, make two pairs and two SMS, however close together. Pure; the
// memory is bounded and forgets what is older than the window. Forgotten at a restart: a replayed duplicate is sent.
import type { AlarmEvent } from '../core/event.js';
import { fallbackTypes } from '../core/event.js';

/** The inputs of the panel itself: an alarm by one of them may come by another too. */
export const panelInputs: readonly string[] = ['smtp', 'contact_id'];
/** Mail and Contact ID of one alarm arrive seconds apart; a mail server's queue may hold a mail a minute or so. */
export const sameAlarmWindowMs = 2 * 60_000;
/** Alarms remembered at most: a flood of alarms cannot grow the memory. */
const maxRemembered = 200;

interface Remembered {
  id: string;
  input: string;
  type: string;
  zone: number | null;
  at: number;
  paired: boolean;
}

export class SameAlarms {
  readonly #windowMs: number;
  #recent: Remembered[] = [];

  constructor(windowMs = sameAlarmWindowMs) {
    this.#windowMs = windowMs;
  }

  /** The id of the earlier event of the same alarm by another input, or undefined (the event is then remembered). */
  duplicateOf(event: AlarmEvent): string | undefined {
    if (event.category !== 'alarm' || !panelInputs.includes(event.input) || event.device !== undefined || event.to) return undefined;
    const at = Date.parse(event.time);
    if (Number.isNaN(at)) return undefined;
    this.#recent = this.#recent.filter((alarm) => Math.abs(at - alarm.at) <= this.#windowMs);
    if (this.#recent.some((alarm) => alarm.id === event.id)) return undefined;
    const earlier = this.#recent.find((alarm) => !alarm.paired && alarm.input !== event.input && sameAlarm(alarm, event));
    if (earlier) {
      earlier.paired = true;
      return earlier.id;
    }
    this.#recent.push({ id: event.id, input: event.input, type: event.type, zone: event.zone, at, paired: false });
    if (this.#recent.length > maxRemembered) this.#recent.shift();
    return undefined;
  }
}

function sameAlarm(a: Pick<AlarmEvent, 'type' | 'zone'>, b: Pick<AlarmEvent, 'type' | 'zone'>): boolean {
  const unknown = fallbackTypes.alarmRoute;
  const sameType = a.type === b.type || a.type === unknown || b.type === unknown;
  const sameZone = a.zone === null || b.zone === null || a.zone === b.zone;
  return sameType && sameZone;
}
