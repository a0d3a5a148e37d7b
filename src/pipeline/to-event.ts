// A spooled mail → its one event: parse, then classify; a mail that cannot be parsed still makes an event.
import { fallbackTypes, type AlarmEvent, type Route } from '../core/event.js';
import { routeOf, type RouteTable } from '../core/route.js';
import type { MailParser } from '../mail/isolated-parser.js';
import { MailUnparsable } from '../mail/unparsable.js';
import type { SpoolEntry } from '../spool/mail-spool.js';
import { classifyMail } from '../sources/classify.js';
import type { Profile } from '../sources/profile.js';

/** Enough raw text for a human to see what arrived, without pushing megabytes through MQTT. */
const maxUnparsedText = 4096;

export interface MailOutcome {
  event: AlarmEvent;
  /** Why the mail could not be parsed; it then belongs in quarantine. */
  unparsable?: string;
}

export async function eventFromMail(entry: SpoolEntry, profiles: readonly Profile[], routes: RouteTable, parser: MailParser): Promise<MailOutcome> {
  const route = routeOf(entry.envelope.recipients, routes);
  try {
    const mail = await parser.parse(entry.raw, entry.envelope);
    return { event: classifyMail({ id: entry.id, mail, route }, profiles) };
  } catch (error) {
    if (!(error instanceof MailUnparsable)) throw error;
    return { event: unparsedEvent(entry, route), unparsable: error.message };
  }
}

/** Not dropped: to an alarm address it may be a real alarm, so it keeps the alarm category (and its SMS). */
function unparsedEvent(entry: SpoolEntry, route: Route): AlarmEvent {
  const raw = entry.raw.subarray(0, maxUnparsedText).toString('utf8');
  return {
    id: entry.id,
    time: entry.envelope.receivedAt,
    source: 'generic',
    category: route === 'alarm' ? 'alarm' : 'trouble',
    type: fallbackTypes.unparsed,
    alarm_state: null,
    zone: null,
    sensor: null,
    user: null,
    text: entry.raw.length > maxUnparsedText ? `${raw}…` : raw,
    from: entry.envelope.from,
    recipients: [...entry.envelope.recipients],
    subject: '',
  };
}
