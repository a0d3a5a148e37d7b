// The JSON the status page's API answers (`/api/events`, `/api/events/stream`, `/api/status`, `/api/classify`):
// the page reads it, and so may any other tool. Every text that came from a mail is data here; the page shows it as
// text. Phone numbers appear masked (`*********4567`), secrets never.
import type { HealthResult } from '../../core/bus.js';
import type { AlarmEvent, AlarmState, Category } from '../../core/event.js';

/**
 * Where an event stands at one output: `pending` not yet delivered; `published` MQTT has it (PUBACK); `queued` a
 * messaging output stored its messages; `skipped` the event is not for that output (not in its `send_on`); then,
 * from its messages: `retrying`, `held` (flood limit), `sent`, `dry_run`, `failed`, `suppressed`.
 */
export const deliveryResults = [
  'pending',
  'published',
  'queued',
  'skipped',
  'retrying',
  'held',
  'sent',
  'dry_run',
  'failed',
  'suppressed',
] as const;
export type DeliveryResult = (typeof deliveryResults)[number];

export const messageResults = ['queued', 'retrying', 'held', 'sent', 'dry_run', 'failed', 'suppressed'] as const;

/** One message of a messaging output (an SMS to one number, a Telegram message to one chat). */
export interface MessageView {
  /** The message's own id (`<event id>_<hash of the recipient>`): its later results replace this one. */
  id: string;
  /** Masked. */
  recipient: string;
  result: (typeof messageResults)[number];
  /** When it got this result (ISO 8601). */
  time: string;
  /** For `retrying`: the next attempt (ISO 8601). */
  next_attempt?: string;
  /** The provider's words for `failed`, `retrying`, `suppressed`; masked. */
  reason?: string;
  /** The service it goes (or went) through, where the output has more than one: SMS `cm`, `twilio` (after a failover the fallback). */
  provider?: string;
}

export interface OutputDelivery {
  /** The output's result as a whole: its messages' least finished one, or its own (`published`, `pending`, …). */
  result: DeliveryResult;
  /** When it got this result (ISO 8601). */
  time: string;
  next_attempt?: string;
  reason?: string;
  /** A messaging output's messages, one per recipient. */
  messages?: MessageView[];
}

/** An event as `/api/events` lists it: the event's documented JSON (addresses masked) and, per output, its delivery. */
export type EventView = AlarmEvent & {
  /** Per output name (`mqtt`, `sms`, `telegram`). */
  delivery: Record<string, OutputDelivery>;
};

/** The "Now" block: `/api/status`. */
export interface StatusView {
  version: string;
  /** When this run started (ISO 8601), and for how long it has run. */
  started: string;
  uptime_seconds: number;
  /** `ok` while the intake listens and the spool can be written; else the reasons (as `/healthz` says them). */
  health: { ok: boolean; problems: string[] };
  alarm: { state: AlarmState | null; since: string | null };
  /** Each input and where it listens. */
  inputs: { input: string; listening: boolean; address: string | null }[];
  /** null until the MQTT output said. */
  broker: { connected: boolean; url: string } | null;
  /** Each output's health as Home Assistant shows it. */
  outputs: { output: string; problem: boolean | null; last: HealthResult | null }[];
  /** Depth per queue: `spool`, `mqtt`, `sms`, `outbox/sms`, … */
  backlog: Record<string, number>;
  quarantine: {
    count: number;
    total_bytes: number;
    /** Oldest first; at most 100 (the quarantine's own bound). */
    mails: { id: string; time: string; bytes: number; reason: string | null }[];
  };
  /** Mails since local midnight: accepted, and refused per SMTP code. */
  mails_today: { date: string; accepted: number; refused: Record<string, number> };
  /** The panel's own mails only: a camera or a test event never counts here. */
  panel: { last_mail: LastMail | null };
  /** Each camera's last mail, newest first. */
  cameras: (LastMail & { camera: string; name: string | null })[];
  /**
   * The sensors the bridge's features declared, in the order declared, with their state now as Home Assistant shows
   * them: e.g. supervision's `panel_silent` (`ON` while the panel is silent, since when as an attribute).
   */
  entities: EntityView[];
}

export interface EntityView {
  id: string;
  name: string | null;
  platform: 'sensor' | 'binary_sensor';
  device: 'bridge' | 'panel';
  device_class: string | null;
  /** null: not known yet. */
  state: string | null;
  attributes: Record<string, string | number | boolean | null>;
}

export interface LastMail {
  time: string;
  event_id: string;
  category: Category;
  type: string;
  text: string;
}

/**
 * How a mail would be read (`POST /api/classify`), its event's fields as the event has them; nothing is stored or
 * delivered.
 */
export type Classification = Pick<AlarmEvent, 'source' | 'category' | 'type' | 'alarm_state' | 'zone' | 'sensor' | 'user' | 'text'> & {
  /** The route the recipients give (`alarm`, `status`, `camera`, `other`). */
  route: string;
  /** The camera, for a camera's mail. */
  camera: { id: string; name: string } | null;
  /** The rule as it would be written under `rules:` to read such a line this way. */
  rule: string;
  /** Why it could not be parsed, for a mail the MIME parser refused. */
  unparsable?: string;
};
