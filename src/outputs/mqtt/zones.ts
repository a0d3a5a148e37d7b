// Zones of the panel as the mails reveal them: an event with a zone creates one, and what its type means for a
// zone (the sources' catalog) drives its states. Pure: the output persists the result and publishes the changes.
import type { AlarmEvent } from '../../core/event.js';
import type { SourceCatalog } from '../../sources/catalog.js';

export type OnOff = 'ON' | 'OFF';

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
}

/** Keyed by zone number. */
export type Zones = Record<string, ZoneState>;

export interface ZoneChange {
  zone: number;
  state: ZoneState;
  /** The zone is new, or its name or set of entities changed: its discovery must be sent (again). */
  rediscover: boolean;
  /** Binary states to publish; `motion` is only ever ON (Home Assistant turns it off after a delay). */
  publish: Partial<Record<'door' | 'motion' | 'tamper' | 'problem', OnOff>>;
  /** The stored state differs from before: it must be saved. */
  changed: boolean;
}

export function zoneChange(zones: Zones, event: AlarmEvent, catalog: Pick<SourceCatalog, 'zoneEffect' | 'zone'>): ZoneChange | undefined {
  if (event.zone === null) return undefined;
  const previous = zones[event.zone];
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
  const rediscover =
    !previous || previous.name !== state.name || (previous.door === null) !== (state.door === null) || previous.motion !== state.motion;
  const changed = !previous || (Object.keys(state) as (keyof ZoneState)[]).some((key) => state[key] !== previous[key]);
  return { zone: event.zone, state, rediscover, publish, changed };
}
