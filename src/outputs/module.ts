// The output module: what the bridge needs to know to configure, build and show an output (MQTT, SMS, later
// Telegram), so that adding one is one folder and one line in registry.ts. Nothing outside the module knows its fields.
import type { z } from 'zod';
import type { Bus } from '../core/bus.js';
import type { EntityView } from '../core/entities.js';
import type { AlarmState } from '../core/event.js';
import type { ImageStore } from '../core/images.js';
import type { Logger } from '../log.js';
import type { PackageInfo } from '../package-info.js';
import type { SourceCatalog } from '../sources/catalog.js';
import type { MqttConnection } from './mqtt/connection.js';
import type { DeliveryOptions, Output } from './output.js';

/**
 * The health an output reports on the bus (`health`), as Home Assistant shows it: each part present here becomes a
 * diagnostic entity of the bridge device, fed from `<prefix>/<output>/problem` and `<prefix>/<output>/last`.
 */
export interface HealthDescription {
  /** A binary "problem" sensor (`ON`/`OFF`); absent when the output, as configured, cannot have one. */
  problem?: { name: string };
  /** The last result as an enum sensor of `result`, with the whole result JSON as attributes. */
  last?: { name: string; icon: string; options: readonly string[] };
}

/** A health description with the output it belongs to. */
export type OutputHealth = HealthDescription & { output: string };

/** Services of the platform the bridge runs on. */
export interface PlatformServices {
  /** Where the broker is when `mqtt.url` is empty (the add-on asks the Supervisor); none stands alone. */
  mqttConnection?: () => Promise<MqttConnection>;
}

/** Everything a module may use to build its output: one object, no long argument lists. */
export interface OutputContext {
  /** The root logger: the module makes its children (`{ component: 'sms' }`, the MQTT module's `broker`). */
  log: Logger;
  /**
   * A text from outside (a service's error, which may echo what it was sent) as it may be logged or published:
   * every configured secret replaced, account ids and phone numbers down to their last four characters.
   */
  maskText: (text: string) => string;
  bus: Bus;
  /** The bridge's data_dir: the module keeps its own durable files there (MQTT `zones.json`, SMS `outbox/sms/`). */
  dataDir: string;
  /** What the sources can produce and the devices they describe. */
  catalog: SourceCatalog;
  packageInfo: PackageInfo;
  now: () => number;
  /** The panel's alarm state as last known (null until an event says it). */
  panelState: () => AlarmState | null;
  /** The entities parts declared, for an output that shows them (MQTT). */
  entities: EntityView;
  /** The health descriptions of every configured output, for an output that shows them (MQTT). */
  health: readonly OutputHealth[];
  platform: PlatformServices;
  /** Where camera sources keep the snapshots their events name (the snapshot store); absent in tests without cameras. */
  images?: ImageStore;
}

/** A built output, with how the pipeline feeds it and what to stop apart from it (the embedded broker). */
export interface BuiltOutput {
  output: Output;
  delivery: DeliveryOptions;
  /** Stopped after the output and every other output: e.g. a broker others may still talk to. */
  close?: () => Promise<void>;
}

export interface OutputModule<Schema extends z.ZodType = z.ZodType, Name extends string = string> {
  /** The config section's key and the output's name (its durable queue, its health topics). Never change it. */
  readonly name: Name;
  /** The config section; it applies its own defaults, so an absent section is valid. */
  readonly schema: Schema;
  /** Paths inside the section whose values must never reach a log line or an MQTT payload. */
  readonly secrets: readonly string[];
  /** Paths inside the section of account ids that do not open the account (Twilio's SID): shown with their last four characters. */
  readonly identifiers?: readonly string[];
  /** Environment variables that override single keys of the section (path inside it), for secrets kept out of files. */
  readonly environment: Readonly<Record<string, readonly string[]>>;
  /** The add-on's options form (two levels) → the section's shape; absent: the same shape. */
  fromAddonOptions?(options: Record<string, unknown>): Record<string, unknown>;
  /**
   * Recipient addresses the output takes by itself, beyond the alarm and status addresses (the SMS output: number
   * addresses); the intake accepts them. Absent: none.
   */
  addresses?(settings: z.output<Schema>): (address: string) => boolean;
  /** What health the output reports with these settings; undefined: none. */
  health(settings: z.output<Schema>): HealthDescription | undefined;
  create(settings: z.output<Schema>, context: OutputContext): Promise<BuiltOutput>;
}

/** Names the module's types once, so its settings are typed inside `create` and `health`. */
export function outputModule<Schema extends z.ZodType, Name extends string>(
  module: OutputModule<Schema, Name>,
): OutputModule<Schema, Name> {
  return module;
}
