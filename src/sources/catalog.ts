// What outputs may know about the sources, without knowing any vendor: the event types the profiles can produce,
// what a type means for a zone's entities, and how the panel and its zones present themselves as devices.
// The profiles describe it (sources/); the MQTT output reads it for zones and Home Assistant discovery.
// The types a profile and the catalog share live here, and profile.ts imports them: the two never import each other.
import { fallbackTypes } from '../core/event.js';

export type ZoneEntity = 'door' | 'motion' | 'tamper' | 'problem';

/** What an event of some type does to the entity of the zone it names, e.g. `door_open` → door ON. */
export interface ZoneEffect {
  entity: ZoneEntity;
  value: 'ON' | 'OFF';
}

/** A device as Home Assistant shows it. */
export interface DeviceInfo {
  name: string;
  manufacturer: string;
  model: string;
}

export interface SourceCatalog {
  /** Every type an event can have, in a stable order (the user's rules, then each profile's, then the fallbacks). */
  eventTypes: readonly string[];
  /** The zone entity a type drives, if any; a zone event of any other type shows only that the zone is heard. */
  zoneEffect(type: string): ZoneEffect | undefined;
  /** The alarm panel: its id suffix (stable, `[a-z0-9_]`, part of entity ids) and its device. */
  panel: DeviceInfo & { id: string };
  /** A zone of the panel, by its number. */
  zone(zone: number): DeviceInfo;
  /** What the camera profile of this `source` says of its cameras; undefined for a source that is no camera's. */
  camera(source: string): CameraDescription | undefined;
  /** The names of the camera profiles: an event with one of them as `source` is a camera's. */
  cameraSources: readonly string[];
}

/** What a camera profile says of its cameras, for their device in Home Assistant. */
export interface CameraDescription {
  manufacturer: string;
  model: string;
  /** Every type its events can have: the camera's event entity's event_types. */
  eventTypes: readonly string[];
  /** Types that mean something moves in the picture: they turn the camera's motion sensor on. */
  motionTypes: readonly string[];
}

/** The devices a profile describes: the panel and its numbered zones. */
export interface PanelDevices {
  /** Its id suffix (stable, `[a-z0-9_]`, part of entity ids) and its device. */
  panel: DeviceInfo & { id: string };
  /** A zone's device; its `name` is the zone's name until the panel names it. */
  zone(zone: number): DeviceInfo;
}

/** All the catalog reads of a profile: what it says of its event types, its panel and its cameras (`Profile` has it). */
export interface SourceDescription {
  readonly name: string;
  readonly eventTypes: readonly { type: string; zoneEffect?: ZoneEffect }[];
  readonly devices?: PanelDevices;
  readonly camera?: { description: CameraDescription };
}

/** When no profile describes a panel, the alarm state still needs a device to live on. */
const unnamedPanel: PanelDevices = {
  panel: { id: 'panel', name: 'Alarm panel', manufacturer: 'Alarm Mail Bridge', model: 'Panel' },
  zone: (zone) => ({ name: `Zone ${zone}`, manufacturer: 'Alarm Mail Bridge', model: `Zone ${zone}` }),
};

/**
 * The catalog of these profiles (in the registry's order): their types and then the fallback types, each once;
 * a type's zone effect from the first profile that gives it one (so a user rule named `door_open` drives a door
 * as the XT1's does); the panel and its zones from the first profile that describes a panel; each camera
 * profile's description by its name.
 */
export function catalogOf(profiles: readonly SourceDescription[]): SourceCatalog {
  const types = profiles.flatMap((profile) => profile.eventTypes);
  const effects = new Map<string, ZoneEffect>();
  for (const { type, zoneEffect } of types) if (zoneEffect && !effects.has(type)) effects.set(type, zoneEffect);
  const devices = profiles.find((profile) => profile.devices)?.devices ?? unnamedPanel;
  const cameras = new Map(profiles.flatMap((profile) => (profile.camera ? [[profile.name, profile.camera.description] as const] : [])));
  return {
    eventTypes: [...new Set([...types.map(({ type }) => type), ...Object.values(fallbackTypes)])],
    zoneEffect: (type) => effects.get(type),
    panel: devices.panel,
    zone: (zone) => devices.zone(zone),
    camera: (source) => cameras.get(source),
    cameraSources: [...cameras.keys()],
  };
}
