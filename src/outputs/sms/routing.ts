// Who gets an event by SMS: the event's own numbers (`to.sms`, an escalation level's), or the numbers written in the
// recipient addresses, or else the default recipients.
import { type AlarmEvent, type Category, testDelivery } from '../../core/event.js';
import { numberInAddress, toE164 } from '../../core/phone.js';

export interface SmsRouting {
  /** E.164, validated at start. */
  defaultRecipients: readonly string[];
  sendOn: readonly Category[];
  defaultRegion: string;
}

export interface SmsRecipients {
  /** E.164, each once. */
  numbers: string[];
  /** Entries of the event's own `to.sms` that are no valid number of the region, as written: to be logged masked. */
  unreadable: string[];
}

/**
 * An event that names its recipients (`to`) goes to its `to.sms` numbers alone, whatever its category, and nowhere
 * else when it names none. `+4915112345678@sms.local` is an explicit request: the text goes to that number whatever
 * its category, and not to the default recipients. Other mails, and events from inputs other than mail (which have
 * no recipients), go to the defaults when their category is in `send_on`, unless the same alarm came by another
 * input first (`duplicate_of`).
 */
export function smsRecipients(event: AlarmEvent, routing: SmsRouting): SmsRecipients {
  if (event.to) return readTargets(event.to.sms ?? [], routing.defaultRegion);
  // A status page's test goes to the default recipients when asked to, whatever send_on says, and else nowhere.
  const test = testDelivery(event);
  if (test !== undefined) return { numbers: test ? [...new Set(routing.defaultRecipients)] : [], unreadable: [] };
  const explicit = new Set<string>();
  for (const recipient of event.recipients ?? []) {
    const number = numberInAddress(recipient, routing.defaultRegion);
    if (number) explicit.add(number);
  }
  if (explicit.size > 0) return { numbers: [...explicit], unreadable: [] };
  // The same alarm came by another input first, and its SMS went to the defaults then.
  if (event.duplicate_of !== undefined) return { numbers: [], unreadable: [] };
  return { numbers: routing.sendOn.includes(event.category) ? [...new Set(routing.defaultRecipients)] : [], unreadable: [] };
}

/** Numbers in any common notation (`0170 1234567`, `+49…`) → E.164, each once; those that are none kept apart. */
export function readTargets(targets: readonly string[], defaultRegion: string): SmsRecipients {
  const numbers = new Set<string>();
  const unreadable: string[] = [];
  for (const target of targets) {
    const number = toE164(target, defaultRegion);
    if (number) numbers.add(number);
    else unreadable.push(target);
  }
  return { numbers: [...numbers], unreadable };
}
