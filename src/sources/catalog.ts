// What outputs may know about the sources, without knowing any vendor: the event types the profiles can produce,
// what a type means for a zone's entities, and how the panel and its zones present themselves as devices.
// The profiles describe it (sources/); the MQTT output reads it for zones and Home Assistant discovery.

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
