// The bus: facts about the bridge's work (mail accepted or refused, event, delivery, output health, panel state,
// entities, and the bridge's own condition: intake, broker, backlogs, quarantine, parser, zones) for observers, and
// commands from Home Assistant with their results. Node's EventEmitter with a typed map, nothing more. Observers only
// subscribe; none sits on the path of a mail. A status page or metrics need nothing but these messages.
import { EventEmitter } from 'node:events';
import type { Entity, EntityState } from './entities.js';
import type { AlarmEvent, AlarmState } from './event.js';

/** The last result of an output, published as JSON: e.g. SMS `{ time, recipient, provider, result, … }`. */
export interface HealthResult {
  /** One of the options of the output's health description, e.g. `sent`, `dry_run`, `failed`. */
  result: string;
}

export interface BusEvents {
  /** A mail is stored durably in the spool and was answered with 250. */
  mailAccepted: { id: string; from: string; recipients: readonly string[]; remote: string; bytes: number };
  /** A connection, recipient or mail was refused with this SMTP code. */
  mailRefused: { code: number; reason: string; remote: string | undefined };
  /** The classified event after the panel state was applied, as every output receives it (frozen; number addresses in full). */
  event: AlarmEvent;
  /**
   * One output has delivered an event, or an attempt failed and will be retried. A messaging output (SMS, Telegram)
   * has the event once its messages are stored: `messages` says how many it made (0: the event is not for it); how
   * each one fares follows as `message` facts.
   */
  delivery: { output: string; eventId: string; result: 'delivered' | 'retrying'; error?: unknown; messages?: number };
  /** A messaging output's message of an event for one recipient: stored, waiting for a retry, held, or finally answered. */
  message: MessageProgress;
  /** An output's health as data; a field left undefined is not known yet (or the output has no such thing). */
  health: { output: string; problem: boolean | undefined; last: HealthResult | undefined };
  /** The panel's alarm state changed. */
  panelState: { state: AlarmState; since: string };
  /**
   * Panel control's word on what the panel's alarm entity shows while it carries out a command from Home Assistant:
   * `arming`/`disarming` while it waits for the panel, the state the panel reported back once it did, or null to
   * show the kept alarm state again (the command failed). It never changes the kept alarm state: the panel's own
   * mail (or Contact ID event) does.
   */
  panelCommandState: { state: 'arming' | 'disarming' | AlarmState | null };
  /** A command for an entity, from Home Assistant: whoever owns the entity answers with a `commandResult`. */
  command: EntityCommand;
  /** The answer to a command: HA shows it (the bridge's "Last command" sensor). */
  commandResult: CommandResult;
  /** An entity was declared (core/entities.ts): whoever renders entities shows it. */
  entityDeclared: Entity;
  /** A declared entity has a new state. */
  entityState: EntityState & { id: string };
  /** An input started or stopped listening. */
  intake: {
    /** Which input: `smtp` today. */
    input: string;
    /** True from the moment it accepts connections until it closes. */
    listening: boolean;
    /** Where it listens, `host:port` (the bound port); absent once closed. */
    address?: string;
  };
  /** The MQTT output connected to its broker or lost it (also at its stop). */
  broker: {
    connected: boolean;
    /** The broker's URL, its password replaced by `redacted`. */
    url: string;
  };
  /**
   * How many items wait in one queue, at most one message per queue every 250 ms and always the final value
   * (core/backlog.ts); the first message of a queue comes at its start.
   */
  backlog: {
    /** `spool` (records not yet delivered by every output), an output's name (events it has accepted and not yet
     * delivered: `mqtt`, `sms`, `telegram`), or `outbox/sms`, `outbox/telegram`, `outbox/call` (messages and voice
     * calls not yet finally answered). */
    queue: string;
    depth: number;
  };
  /** The quarantine as it is: once at start (neither `added` nor `removed`), then after each record added or removed. */
  quarantine: {
    /** Records kept. */
    count: number;
    /** Their bytes, with their reasons. */
    totalBytes: number;
    /** The record just quarantined, and why it could not be read. */
    added?: { id: string; reason: string | undefined };
    /** The record just removed, and which bound removed it. */
    removed?: { id: string; why: 'age' | 'count' | 'size' | 'space' | 'retried' };
  };
  /** The isolated mail parser's worker was ended (hung, crashed, did not start) and is replaced by a new one. */
  parserRestarted: {
    /** E.g. `took longer than 10000 ms`, `the parser exited with code 1`. */
    reason: string;
  };
  /**
   * An alarm incident opened, grew, went up a level or was acknowledged (the incidents feature). Outputs that can
   * hear replies (SMS through Twilio) listen for them while one is open.
   */
  incident: IncidentFacts;
  /**
   * A reply to a message an output sent (an SMS answered "OK"), with the events whose messages went to that sender,
   * for whoever acknowledges; the sender masked.
   */
  reply: { output: string; from: string; text: string; time: string; eventIds: readonly string[] };
  /**
   * Messages of these events that have not gone out yet are no longer wanted (an acknowledged incident's escalation):
   * each outbox finishes them `suppressed` with the reason. Messages already sent are not affected.
   */
  withdraw: { eventIds: readonly string[]; reason: string };
  /** A zone of the panel changed (or is known from before, at the start of the MQTT output). */
  zoneState: {
    zone: number;
    /** The name the panel last used. */
    name: string;
    state: ZoneFacts;
  };
}

/** Where one message (an SMS to one number, a Telegram message to one chat, a voice call) stands. */
export interface MessageProgress {
  /** `sms`, `telegram`, or `call` for the SMS output's voice calls. */
  output: string;
  eventId: string;
  /** The message's own id (`<event id>_<hash of the recipient>`, `…_summary` for a summary). */
  messageId: string;
  /** Masked (`*********4567`): facts on the bus may be shown anywhere. */
  recipient: string;
  /**
   * `queued` stored, not yet tried; `retrying` a temporary failure, tried again at `nextAttempt`; `held` over the
   * hourly limit, to go out in a summary; then one final answer: `sent`, `dry_run`, `failed`, `suppressed`.
   */
  state: 'queued' | 'retrying' | 'held' | 'sent' | 'dry_run' | 'failed' | 'suppressed';
  /** ISO 8601. */
  time: string;
  /** When a `retrying` message is tried again (ISO 8601). */
  nextAttempt?: string;
  /** Why it failed, is retried or was suppressed: the service's words, masked. */
  reason?: string;
  /** The service it goes (or went) through, where an output has more than one: SMS `cm`, `twilio` (`none` in dry-run). */
  provider?: string;
}

/** An incident as the incidents feature tells it. */
export interface IncidentFacts {
  id: string;
  /** `closed`: ended without acknowledgement, `incidents.close_after` after its last alarm or level. */
  state: 'open' | 'acknowledged' | 'closed';
  /** ISO 8601. */
  openedAt: string;
  /** The ids of its events, oldest first (its alarms, and the escalation messages it raised). */
  eventIds: readonly string[];
  /** The escalation level reached: 0 before any level fired. */
  level: number;
  /**
   * How it was acknowledged (`button`, `status_page`, `disarm`, `reply`), by whom as far as known (masked), and when
   * (ISO 8601); absent while it is open.
   */
  acknowledged?: { how: string; by: string; at: string };
}

/** A zone's states as the MQTT output keeps them (and shows them in Home Assistant). */
export interface ZoneFacts {
  /** The door/window contact; null until the zone reported one. */
  door: 'ON' | 'OFF' | null;
  /** The zone reported motion at least once. */
  motion: boolean;
  tamper: 'ON' | 'OFF';
  /** Supervision failure: the panel lost the sensor. */
  problem: 'ON' | 'OFF';
  /** The zone's last alarm-category event, e.g. `{ type: 'intrusion', time: '2026-11-21T18:03:12.345Z' }`. */
  lastAlarm?: { type: string; time: string };
}

/** A command for one entity, e.g. `{ commandId, entity: 'panel_alarm', command: 'ARM_AWAY' }`; only commands the entity takes. */
export interface EntityCommand {
  /** Unique per command; its result carries it back. */
  commandId: string;
  /** The entity's id. */
  entity: string;
  /** One of the entity's commands, e.g. `PRESS`, `ARM_AWAY`. */
  command: string;
  /** A value the command carries: the code Home Assistant's alarm panel asked for (never logged nor shown). */
  payload?: string;
  /** Who sent it: Home Assistant (or anyone on the broker) by default, or the status page. */
  origin?: 'mqtt' | 'status_page';
}

export interface CommandResult {
  commandId: string;
  entity: string;
  command: string;
  result: 'done' | 'refused';
  /** Why it was refused (or a note on what was done), for a human: shown in Home Assistant. */
  reason?: string;
}

export type BusEventName = keyof BusEvents;
export type BusListener<K extends BusEventName> = (payload: BusEvents[K]) => void;

/**
 * A listener that throws is logged and skipped: `emit` never throws into the emitter, so a broken observer cannot
 * fail a mail's intake, its delivery or the retirement of its spool file. Listeners run synchronously, in the order
 * they subscribed; one that has slow work to do must start it and return.
 */
export class Bus {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #onListenerError: (name: BusEventName, error: unknown) => void;

  constructor(onListenerError: (name: BusEventName, error: unknown) => void) {
    this.#onListenerError = onListenerError;
    // Every observer subscribes once; more than the default ten is no leak here.
    this.#emitter.setMaxListeners(0);
  }

  on<K extends BusEventName>(name: K, listener: BusListener<K>): () => void {
    const guarded = (payload: BusEvents[K]) => {
      try {
        const returned: unknown = listener(payload);
        // An async listener's rejection is caught too: it must not become an unhandled rejection that ends the process.
        if (returned instanceof Promise) returned.catch((error: unknown) => this.#report(name, error));
      } catch (error) {
        this.#report(name, error);
      }
    };
    this.#emitter.on(name, guarded);
    return () => this.#emitter.off(name, guarded);
  }

  emit<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  /** Listeners subscribed now: a part that stopped has left none behind. */
  listenerCount(name: BusEventName): number {
    return this.#emitter.listenerCount(name);
  }

  #report(name: BusEventName, error: unknown): void {
    try {
      this.#onListenerError(name, error);
    } catch {
      // The error reporter itself failed (e.g. a closed log stream): nothing left to tell, and the mail goes on.
    }
  }
}
