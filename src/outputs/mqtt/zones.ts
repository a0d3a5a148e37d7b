// Zones of the panel as the mails reveal them: `Zone:<n> <name>` creates one, its events drive its states.
// Pure: the output persists the result and publishes the changes.
import type { AlarmEvent } from '../../core/event.js';

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

export function zoneChange(zones: Zones, event: AlarmEvent): ZoneChange | undefined {
  if (event.zone === null) return undefined;
  const previous = zones[event.zone];
  const state: ZoneState = previous
    ? { ...previous }
    : { name: event.sensor ?? `Zone ${event.zone}`, door: null, motion: false, tamper: 'OFF', problem: 'OFF' };
  if (event.sensor) state.name = event.sensor;
  const publish: ZoneChange['publish'] = {};
  if (event.type === 'door_open' || event.type === 'door_closed') state.door = publish.door = event.type === 'door_open' ? 'ON' : 'OFF';
  if (event.type === 'motion') {
    state.motion = true;
    publish.motion = 'ON';
  }
  if (event.type === 'tamper' || event.type === 'tamper_restored') state.tamper = publish.tamper = event.type === 'tamper' ? 'ON' : 'OFF';
  // Any other word from the sensor shows the panel hears it again.
  const problem: OnOff = event.type === 'supervision_failure' ? 'ON' : 'OFF';
  if (problem !== state.problem || !previous) state.problem = publish.problem = problem;
  if (!previous) publish.tamper = state.tamper;
  const rediscover =
    !previous || previous.name !== state.name || (previous.door === null) !== (state.door === null) || previous.motion !== state.motion;
  const changed = !previous || (Object.keys(state) as (keyof ZoneState)[]).some((key) => state[key] !== previous[key]);
  return { zone: event.zone, state, rediscover, publish, changed };
}
