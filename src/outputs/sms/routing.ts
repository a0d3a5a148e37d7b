// Who gets an event by SMS: the numbers written in the recipient addresses, or else the default recipients.
import { type AlarmEvent, type Category, testDelivery } from '../../core/event.js';
import { numberInAddress } from '../../core/phone.js';

export interface SmsRouting {
  /** E.164, validated at start. */
  defaultRecipients: readonly string[];
  sendOn: readonly Category[];
  defaultRegion: string;
}

/**
 * `+4915112345678@sms.local` is an explicit request: the text goes to that number whatever its category,
 * and not to the default recipients. Other mails, and events from inputs other than mail (which have no
 * recipients), go to the defaults when their category is in `send_on`.
 */
export function smsRecipients(event: AlarmEvent, routing: SmsRouting): string[] {
  // A status page's test goes to the default recipients when asked to, whatever send_on says, and else nowhere.
  const test = testDelivery(event);
  if (test !== undefined) return test ? [...new Set(routing.defaultRecipients)] : [];
  const explicit = new Set<string>();
  for (const recipient of event.recipients ?? []) {
    const number = numberInAddress(recipient, routing.defaultRegion);
    if (number) explicit.add(number);
  }
  if (explicit.size > 0) return [...explicit];
  return routing.sendOn.includes(event.category) ? [...new Set(routing.defaultRecipients)] : [];
}
