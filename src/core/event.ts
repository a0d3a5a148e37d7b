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

export interface AlarmEvent {
  /** Stable per mail: a replay after a crash carries the same id, so subscribers can de-duplicate. */
  id: string;
  /** Arrival time (ISO 8601, UTC); the XT1 sends no time of its own. */
  time: string;
  /** The profile that recognised the text (`xt1`, `generic`), `rules` for a user rule. */
  source: string;
  category: Category;
  /** snake_case, e.g. `intrusion`, `door_open`, `unknown`, `unparsed`. */
  type: string;
  /** The panel state after this event; null when the event says nothing about it. */
  alarm_state: AlarmState | null;
  zone: number | null;
  sensor: string | null;
  user: string | null;
  /** The line that was recognised, or the first line of the mail. */
  text: string;
  from: string;
  /** Envelope recipients (RCPT TO), which decide the route. */
  recipients: string[];
  subject: string;
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

/**
 * An event a feature raises (e.g. `trouble/source_silent`), as agreed for issue 19: it counts as raised once the
 * spool holds it durably, and then reaches the outputs like a mail's event.
 */
export interface RaisedEventDraft {
  /** The feature's name. */
  source: string;
  category: Category;
  type: string;
  text: string;
  alarm_state?: AlarmState | null;
  zone?: number | null;
  sensor?: string | null;
  user?: string | null;
  details?: Record<string, string | number | boolean | null>;
}
