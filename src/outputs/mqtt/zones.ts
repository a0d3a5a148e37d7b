// Zones of the panel as the mails reveal them: an event with a zone creates one, what its type means for a zone
// (the sources' catalog) drives its states, and an alarm-category event becomes its last alarm. Pure: the output
// persists the result and publishes the changes.
import type { AlarmEvent } from '../../core/event.js';
import type { SourceCatalog } from '../../sources/catalog.js';

export type OnOff = 'ON' | 'OFF';

/** The type and time of a zone's last alarm-category event, e.g. `{"type":"intrusion","time":"2026-11-21T18:03:12.345Z"}`. */
export interface ZoneAlarm {
  type: string;
  time: string;
}

export interface ZoneState {
  /** The name the panel last used; Home Assistant may show another one the user chose. */
  name: string;
  /** null until the zone reported a door/window contact. */
  door: OnOff | null;
  /** The zone reported motion at least once. */
  motion: boolean;
  tamper: OnOff;
  /** Supervision failure: the panel lost the sensor. */
  problem: OnOff;
  /** Absent until the zone raised an alarm (and in a zones.json written before the bridge kept it). */
  lastAlarm?: ZoneAlarm;
}

/** Keyed by zone number. */
export type Zones = Record<string, ZoneState>;

export interface ZoneChange {
  zone: number;
  state: ZoneState;
  /** The zone is new, or its name or set of entities changed: its discovery must be sent (again). */
  rediscover: boolean;
  /**
   * States to publish: binary ones as `ON`/`OFF` (`motion` is only ever ON: Home Assistant turns it off after a
   * delay), `last_alarm` as the JSON of a {@link ZoneAlarm}.
   */
  publish: Partial<Record<'door' | 'motion' | 'tamper' | 'problem' | 'last_alarm', string>>;
  /** The stored state differs from before: it must be saved. */
  changed: boolean;
}

/**
 * Zones kept, each a Home Assistant device and an entry of zones.json: an XT1 has at most 80 sensors, larger panels a
 * few hundred. Past it a new zone's events still go out, but make no device, so mails naming ever new zones cannot
 * grow the state without bound.
 */
export const maxZones = 256;

/** The zone's change, or undefined for an event without a zone or of a new zone past `maxZones`. */
export function zoneChange(zones: Zones, event: AlarmEvent, catalog: Pick<SourceCatalog, 'zoneEffect' | 'zone'>): ZoneChange | undefined {
  if (event.zone === null) return undefined;
  const previous = zones[event.zone];
  if (!previous && Object.keys(zones).length >= maxZones) return undefined;
  const state: ZoneState = previous
    ? { ...previous }
    : { name: event.sensor ?? catalog.zone(event.zone).name, door: null, motion: false, tamper: 'OFF', problem: 'OFF' };
  if (event.sensor) state.name = event.sensor;
  const publish: ZoneChange['publish'] = {};
  const effect = catalog.zoneEffect(event.type);
  if (effect?.entity === 'door') state.door = publish.door = effect.value;
  if (effect?.entity === 'motion') {
    state.motion = true;
    publish.motion = effect.value;
  }
  if (effect?.entity === 'tamper') state.tamper = publish.tamper = effect.value;
  // Any other word from the sensor shows the panel hears it again.
  const problem: OnOff = effect?.entity === 'problem' ? effect.value : 'OFF';
  if (problem !== state.problem || !previous) state.problem = publish.problem = problem;
  if (!previous) publish.tamper = state.tamper;
  if (event.category === 'alarm') {
    state.lastAlarm = { type: event.type, time: event.time };
    publish.last_alarm = JSON.stringify(state.lastAlarm);
  }
  const rediscover =
    !previous || previous.name !== state.name || (previous.door === null) !== (state.door === null) || previous.motion !== state.motion;
  const changed = !previous || (Object.keys(state) as (keyof ZoneState)[]).some((key) => state[key] !== previous[key]);
  return { zone: event.zone, state, rediscover, publish, changed };
}
