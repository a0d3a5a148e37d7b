// The normalized alarm event: what every output receives, and the documented JSON of `<prefix>/event`.
import type { ImageRef } from './images.js';

export const alarmStates = ['disarmed', 'armed_home', 'armed_away', 'triggered'] as const;
export type AlarmState = (typeof alarmStates)[number];

export const categories = ['alarm', 'status', 'trouble', 'test'] as const;
export type Category = (typeof categories)[number];

/** How the sender classed the mail by the address it used: the XT1 knows no other way to say it. */
export type Route = 'alarm' | 'status' | 'camera' | 'other';

/** Types given when no rule decides: by the route, or for a mail that could not be parsed. */
export const fallbackTypes = { alarmRoute: 'alarm', otherRoute: 'unknown', unparsed: 'unparsed' } as const;

/**
 * Where an event came in: `smtp` for a mail, `contact_id` for a Contact ID report, `raised` for an event a feature
 * raised, `test` for a test mail made on the status page.
 */
export type EventInput = 'smtp' | 'contact_id' | 'raised' | 'test' | (string & {});

/** The input of a status page's test mail. */
export const testInput = 'test';

/**
 * For a status page's test event, whether the person asked for it to go to SMS and Telegram too (`details.deliver`);
 * undefined for any other event, which is routed by its category.
 */
export function testDelivery(event: Pick<AlarmEvent, 'input' | 'details'>): boolean | undefined {
  return event.input === testInput ? event.details?.deliver === true : undefined;
}

/** What only a mail's event carries; an event from another input has none of these fields. */
export interface MailFields {
  from: string;
  /** Envelope recipients (RCPT TO), which decide the route. */
  recipients: string[];
  subject: string;
}

export interface AlarmEvent extends Partial<MailFields> {
  /** Stable per record: a replay after a crash carries the same id, so subscribers can de-duplicate. */
  id: string;
  /** Arrival time (ISO 8601, UTC); the XT1 sends no time of its own. */
  time: string;
  /** Where the event came in (`smtp`, `contact_id`, `raised`, `test`). */
  input: EventInput;
  /** The profile that recognised the text (`xt1`, `generic`), `rules` for a user rule; for a raised event the feature's name. */
  source: string;
  category: Category;
  /** snake_case, e.g. `intrusion`, `door_open`, `unknown`, `unparsed`. */
  type: string;
  /** The panel state after this event; null when the event says nothing about it. */
  alarm_state: AlarmState | null;
  zone: number | null;
  sensor: string | null;
  user: string | null;
  /** The line that was recognised, or the first line of the mail; a raised event's own words. */
  text: string;
  /**
   * Facts beyond the fields above: a raised event's, a Contact ID report's (code, qualifier, partition, account), a
   * status page test's `deliver`; absent on a mail's event.
   */
  details?: EventDetails;
  /**
   * The same alarm came by another input first (a mail and a Contact ID report of one alarm): that event's id.
   * Messaging outputs send it to no one their routing would choose (pipeline/same-alarm.ts); MQTT carries it.
   */
  duplicate_of?: string;
  /** Who exactly gets a raised event (an escalation level): its outputs send to these alone, whatever their routing. */
  to?: EventTargets;
  /**
   * Camera events only (and absent on every other event, whose JSON stays as it was): the camera's id
   * (`sensor` holds its name), its snapshots (no bytes: the snapshot store keeps them), its own clock as text
   * (cameras send no time zone), and whether a camera that mails the end of an event says it started or stopped.
   */
  device?: string;
  images?: ImageRef[];
  device_time?: string | null;
  phase?: 'start' | 'stop' | null;
}

export type EventDetails = Record<string, string | number | boolean | null>;

/**
 * Explicit recipients of a raised event, per kind of message: SMS numbers (E.164), Telegram chat ids, numbers to call.
 * An event with targets goes to these alone: an output with none here sends it nowhere.
 */
export interface EventTargets {
  sms?: readonly string[];
  telegram?: readonly string[];
  call?: readonly string[];
}

/** A mail's event as the sources make it: the record kind adds where it came in. */
export type MailEvent = Omit<AlarmEvent, 'input' | keyof MailFields> & MailFields;

/**
 * What a feature hands to `raise`: the event without what the bridge fills in (id, time, input). It is written to
 * the spool like a mail before it counts as raised, and reaches the outputs through the same routing.
 */
export interface RaisedEventDraft {
  /** The feature's name; the event's `source`. */
  source: string;
  category: Category;
  /** snake_case, e.g. `source_silent`. */
  type: string;
  text: string;
  alarm_state?: AlarmState | null;
  zone?: number | null;
  sensor?: string | null;
  user?: string | null;
  details?: EventDetails;
  to?: EventTargets;
}
