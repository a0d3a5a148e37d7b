// A source profile: one kind of sender (a panel, later a camera vendor, the keyword tables, the user's rules) —
// how its lines are recognised, what its event types mean, and which devices it describes. The classifier tries
// the profiles in the registry's order and knows no vendor's grammar; outputs read the profiles' description
// through the catalog. A new kind of sender is one folder under sources/ and one line in registry.ts.
import type { AlarmState, Category } from '../core/event.js';
import type { Mail } from '../mail/mail.js';
import type { CameraReader } from './camera/reading.js';
import type { CameraDescription, PanelDevices, SourceDescription, ZoneEffect } from './catalog.js';

/** What an event type means: for the event itself, for the panel and for the zone it names. */
export interface EventType {
  /** snake_case, e.g. `door_open`: the event's `type` and one of the event entity's `event_types`. */
  type: string;
  category: Category;
  /** The panel state after such an event; null leaves it unchanged. */
  alarmState: AlarmState | null;
  /** What the event does to its zone's entities (door, motion, tamper, problem); none shows the zone is heard. */
  zoneEffect?: ZoneEffect;
}

/** Zone, sensor and user as a line says them, raw: the classifier trims them and reads the zone's number. */
export interface LineDetails {
  zone?: string | undefined;
  sensor?: string | undefined;
  user?: string | undefined;
}

/** What a profile recognised in the lines it was given. */
export interface Match {
  type: string;
  category: Category;
  alarmState: AlarmState | null;
  /** The line that was recognised: the event's text, and the line whose `detailsOf` the classifier asks. */
  line: string;
  /** What the match says itself (a rule's named groups); a key present here, even undefined, wins over `detailsOf`. */
  details: LineDetails;
}

/** What the classifier reads of a mail: the mail, its first non-empty body lines and its subject, both bounded. */
export interface MailText {
  mail: Mail;
  body: readonly string[];
  subject: string;
}

export interface Profile extends SourceDescription {
  /** The event's `source` when this profile recognises a mail. */
  readonly name: string;
  /** Every type its events can have, with its meaning, in the order Home Assistant lists them. */
  readonly eventTypes: readonly EventType[];
  /**
   * Whether the profile recognises the mail by itself, whatever address it came to (a camera by its sender or
   * image, a key:value panel by its `Event:` line). Optional: a profile without it (xt1, keywords, the user's
   * rules) is tried on every mail; one that has it is tried only on the mails it claims.
   */
  claims?(text: MailText): boolean;
  /**
   * The first thing the profile recognises in these lines (the body's lines, or the subject alone). Its own
   * patterns in their order, each over all the lines: the pattern decides, not the line's position.
   */
  match(lines: readonly string[]): Match | undefined;
  /** What the profile's own line grammar says of any recognised line, e.g. the XT1's `Zone:4 Keller, …`. */
  detailsOf?(line: string): LineDetails | undefined;
  /** The panel and zones it describes, if it reports any. */
  readonly devices?: PanelDevices;
  /** A camera profile's own part: it reads a whole mail (pipeline/to-event.ts, before the line classifier). */
  readonly camera?: CameraSource;
}

/** How a camera profile reads its mails and describes its cameras. */
export interface CameraSource {
  reader: CameraReader;
  description: CameraDescription;
  /** The generic camera profile: it reads the mails to a camera address that no vendor claims. */
  fallback?: boolean;
}
