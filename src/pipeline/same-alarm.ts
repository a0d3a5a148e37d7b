// The same alarm by two inputs: the XT1 mails an alarm and reports it by Contact ID, and both become events. The
// later of the two is marked `duplicate_of` the earlier, so that messaging outputs send one SMS and one Telegram
// message (MQTT carries both). Alarms and troubles of the panel itself (the XT1's mails, not another device's) pair.
// Two are the same when they come by different panel inputs within the window
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
  category: string;
  type: string;
  zone: number | null;
  at: number;
  paired: boolean;
}

/** The categories an alarm panel reports by both paths and that go to phones by default (`sms.send_on`). */
const pairedCategories: readonly string[] = ['alarm', 'trouble'];

/**
 * Only the panel's own mails pair with Contact ID (the XT1's profile, or the keywords profile on its `Zone:` line):
 * a second device mailing the alarm address must never lose its SMS to the panel's report.
 */
function fromPanel(event: AlarmEvent): boolean {
  if (event.input === 'contact_id') return true;
  return event.input === 'smtp' && (event.source === 'xt1' || (event.source === 'generic' && event.zone !== null));
}

export class SameAlarms {
  readonly #windowMs: number;
  #recent: Remembered[] = [];

  constructor(windowMs = sameAlarmWindowMs) {
    this.#windowMs = windowMs;
  }

  /** Answers given, by event id: asked again for the same event (a retried record), the same answer. */
  readonly #answers = new Map<string, string | undefined>();

  /** The id of the earlier event of the same alarm by another input, or undefined (the event is then remembered). */
  duplicateOf(event: AlarmEvent): string | undefined {
    if (!pairedCategories.includes(event.category) || !panelInputs.includes(event.input) || event.device !== undefined || event.to)
      return undefined;
    if (!fromPanel(event)) return undefined;
    if (this.#answers.has(event.id)) return this.#answers.get(event.id);
    const at = Date.parse(event.time);
    if (Number.isNaN(at)) return undefined;
    this.#recent = this.#recent.filter((alarm) => Math.abs(at - alarm.at) <= this.#windowMs);
    const earlier = this.#recent.find(
      (alarm) => !alarm.paired && alarm.input !== event.input && alarm.category === event.category && sameAlarm(alarm, event),
    );
    if (earlier) earlier.paired = true;
    else {
      this.#recent.push({
        id: event.id,
        input: event.input,
        category: event.category,
        type: event.type,
        zone: event.zone,
        at,
        paired: false,
      });
      if (this.#recent.length > maxRemembered) this.#recent.shift();
    }
    this.#answers.set(event.id, earlier?.id);
    while (this.#answers.size > maxRemembered) this.#answers.delete(this.#answers.keys().next().value as string);
    return earlier?.id;
  }
}

function sameAlarm(a: Pick<AlarmEvent, 'type' | 'zone'>, b: Pick<AlarmEvent, 'type' | 'zone'>): boolean {
  const unknown = fallbackTypes.alarmRoute;
  const sameType = a.type === b.type || a.type === unknown || b.type === unknown;
  const sameZone = a.zone === null || b.zone === null || a.zone === b.zone;
  return sameType && sameZone;
}
