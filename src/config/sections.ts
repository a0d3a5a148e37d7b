// The modules that own a config section, outputs and features alike: their sections, secrets, environment
// overrides and add-on options are handled the same way, so a new module needs no line here.
import type { z } from 'zod';
import { featureModules } from '../features/registry.js';
import { outputModules } from '../outputs/registry.js';

/** What the configuration needs to know of a module; a feature without settings has no schema and no section. */
export interface SectionModule {
  readonly name: string;
  readonly schema?: z.ZodType;
  readonly secrets?: readonly string[];
  readonly identifiers?: readonly string[];
  readonly environment?: Readonly<Record<string, readonly string[]>>;
  fromAddonOptions?(options: Record<string, unknown>): Record<string, unknown>;
}

type Modules = (typeof outputModules)[number] | (typeof featureModules)[number];
/** `{ mqtt: <the MQTT module's schema>, sms: …, <feature>: … }`, typed from the registries. */
export type ModuleSections = {
  [Module in Modules as [NonNullable<Module['schema']>] extends [never] ? never : Module['name']]: NonNullable<Module['schema']>;
};

/** Outputs first, as their sections appeared before features had any. */
export const sectionModules: readonly SectionModule[] = [...outputModules, ...featureModules];

export const moduleSections = Object.fromEntries(
  sectionModules.flatMap((module) => (module.schema ? [[module.name, module.schema]] : [])),
) as ModuleSections;
