// The feature module: a part that watches the bus and may act (answer a command, raise an event, show an entity),
// with its own config section like an output's. Adding one is one folder and one line in registry.ts. Everything a
// feature subscribes, schedules or opens through its context is released when it stops, even if it forgets.
import type { z } from 'zod';
import type { BusEventName, BusEvents, BusListener } from '../core/bus.js';
import type { Entity, EntityDeclaration, EntityState, PanelAlarmControl } from '../core/entities.js';
import type { AlarmState, RaisedEventDraft } from '../core/event.js';
import type { ImageStore } from '../core/images.js';
import type { Logger } from '../log.js';
import type { MailToTry, TriedMail } from '../pipeline/try-mail.js';
import type { QuarantinedMail } from '../spool/quarantine.js';
import type { StateFile } from '../spool/state-file.js';

/**
 * The facts a feature may tell: answers to commands, commands of its own (the status page's buttons), incidents and
 * withdrawals, and what the panel's alarm entity shows while a command is carried out.
 */
export type FeatureFact = 'commandResult' | 'command' | 'incident' | 'withdraw' | 'panelCommandState';

/**
 * The bus as a feature sees it: what it subscribes is unsubscribed at its stop. It cannot tell facts (an `event`, a
 * `mailAccepted`) that are the pipeline's to tell: its events go through `raise`.
 */
export interface FeatureBus {
  on<K extends BusEventName>(name: K, listener: BusListener<K>): () => void;
  emit<K extends FeatureFact>(name: K, payload: BusEvents[K]): void;
}

/** A timer of the feature's clock; cleared at its stop. */
export interface TimerHandle {
  readonly kind: 'timer';
}

export interface FeatureTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** The entities a feature shows in Home Assistant (core/entities.ts); the MQTT output renders them. */
export interface FeatureEntities {
  /** Declares one of the feature's entities; throws `EntityInvalid` for a bad or taken id. */
  declare(declaration: EntityDeclaration, initial?: EntityState): void;
  update(id: string, state: EntityState): void;
  /** The feature carries out the panel's arm and disarm commands: what Home Assistant's alarm panel offers (core/entities.ts). */
  controlPanelAlarm(control: PanelAlarmControl): void;
}

/**
 * What a feature may see and ask of the bridge beyond the bus: its state now, and the few requests a person makes
 * on the status page. Nothing here sits on a mail's path.
 */
export interface BridgeView {
  version: string;
  /** When this run started (ms since the epoch). */
  startedAt: number;
  /** The outputs that get every event (`mqtt`, `sms`, `telegram`), in delivery order. */
  outputs: readonly string[];
  /** The panel's alarm state as kept (null until an event said it), and since when. */
  alarmState(): { state: AlarmState | null; since: string | null };
  /** Why the spool cannot take a record now (a probe write in its folder), or undefined when it can. */
  spoolProblem(): Promise<string | undefined>;
  /** The records in quarantine, oldest first. */
  quarantined(): readonly QuarantinedMail[];
  /**
   * Puts a quarantined record back into the spool as a new record, to be read again; resolves with its new id, or
   * undefined when no record of that id is kept.
   */
  retryQuarantined(id: string): Promise<string | undefined>;
  /** Reads a mail as the bridge would, with the same parser, profiles and cameras; stores and delivers nothing. */
  tryMail(mail: MailToTry): Promise<TriedMail>;
  /**
   * A test mail through the whole pipeline (spool, parser, profiles, outputs), category `test`, `input: test`; to SMS
   * and Telegram (their configured recipients) only with `deliver`. Resolves with its id once it is durable.
   */
  submitTest(options: { deliver: boolean }): Promise<string>;
  /** The camera snapshots events name; undefined without a snapshot store. */
  images: ImageStore | undefined;
  /** A text as it may be shown anywhere: configured secrets replaced, phone numbers masked. */
  mask(text: string): string;
  /** The cameras the user listed (`cameras:`), in their order. */
  cameras: readonly ListedCamera[];
  /** Every entity the parts declared, with its state now (the status page shows them). */
  entities(): readonly Entity[];
}

/** A camera of the user's list as features see it. */
export interface ListedCamera {
  id: string;
  name: string;
  /** How long it may stay without a mail (its `silent_after`), in ms; undefined: not supervised. */
  silentAfterMs: number | undefined;
}

/** Everything a feature may use: one object, no long argument lists. */
export interface FeatureContext {
  /** A child logger with `{ component: <feature> }`. */
  log: Logger;
  bus: FeatureBus;
  now: () => number;
  timers: FeatureTimers;
  /** A durable JSON value under `data_dir/features/<feature>/<name>.json`; `name` is `[a-z0-9_-]`. */
  store<T>(name: string): StateFile<T>;
  /**
   * Raises an event that reaches the outputs like a mail's (routing, flood limits); resolves with its id once the
   * spool holds it durably. `source` is the feature's name.
   */
  raise(draft: Omit<RaisedEventDraft, 'source'>): Promise<string>;
  entities: FeatureEntities;
  bridge: BridgeView;
}

/** A running feature: start subscribes and schedules; stop ends what it started itself (what went through the context is released anyway). */
export interface Feature {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** The settings a feature's `create` gets: its section, or nothing for a feature without one. */
export type FeatureSettings<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

export interface FeatureModule<Schema extends z.ZodType | undefined = z.ZodType | undefined, Name extends string = string> {
  /** The config section's key, the folder of its store, its log component. Never change it. */
  readonly name: Name;
  /** The config section; it applies its own defaults, so an absent section is valid. None: the feature has no settings. */
  readonly schema?: Schema;
  /** Paths inside the section whose values must never reach a log line or an MQTT payload. */
  readonly secrets?: readonly string[];
  /** Paths inside the section of numbers and ids shown with their last four characters only (`escalation[*].sms[*]`). */
  readonly identifiers?: readonly string[];
  /** Environment variables that override single keys of the section (path inside it). */
  readonly environment?: Readonly<Record<string, readonly string[]>>;
  /** The add-on's options form (two levels) → the section's shape; absent: the same shape. */
  fromAddonOptions?(options: Record<string, unknown>): Record<string, unknown>;
  create(settings: FeatureSettings<Schema>, context: FeatureContext): Feature | Promise<Feature>;
}

/** Names the module's types once, so its settings are typed inside `create`. */
export function featureModule<Name extends string, Schema extends z.ZodType | undefined = undefined>(
  module: FeatureModule<Schema, Name>,
): FeatureModule<Schema, Name> {
  return module;
}
