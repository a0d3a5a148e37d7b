// The Lupusec XT1 (firmware 1.0.89, German): one body line per mail, no timestamp, no subject.
// Grammar seen in the field: `Zone:<n> <name>, <phrase>( - Mobility)?` and `<user>, Arm|Home|Disarm`.
// Names hold umlauts, digits, spaces, parentheses and commas, so the name ends at the last ", ".
import type { EventType, LineDetails, Profile } from '../profile.js';
import { firstMatch, type Rule, ruleFor, typesOf } from '../rule.js';

/** The XT1's types and what they mean, in the order Home Assistant lists them. */
const types = {
  armed_away: { category: 'status', alarmState: 'armed_away' },
  armed_home: { category: 'status', alarmState: 'armed_home' },
  disarmed: { category: 'status', alarmState: 'disarmed' },
  door_open: { category: 'status', alarmState: null, zoneEffect: { entity: 'door', value: 'ON' } },
  door_closed: { category: 'status', alarmState: null, zoneEffect: { entity: 'door', value: 'OFF' } },
  motion: { category: 'status', alarmState: null, zoneEffect: { entity: 'motion', value: 'ON' } },
  intrusion: { category: 'alarm', alarmState: 'triggered' },
  tamper_restored: { category: 'status', alarmState: null, zoneEffect: { entity: 'tamper', value: 'OFF' } },
  tamper: { category: 'alarm', alarmState: 'triggered', zoneEffect: { entity: 'tamper', value: 'ON' } },
  periodic_test: { category: 'test', alarmState: null },
  supervision_failure: { category: 'trouble', alarmState: null, zoneEffect: { entity: 'problem', value: 'ON' } },
} as const satisfies Record<string, Omit<EventType, 'type'>>;

type Xt1Type = keyof typeof types;

/** `Zone:5 PIR EG, IR Activity - Mobility`: the greedy name backtracks to the last ", ". */
function zoneLine(type: Xt1Type, phrase: string): Rule {
  return ruleFor(types, type, new RegExp(`^Zone:\\s*(?<zone>\\d+)\\s+(?<sensor>.+), ${phrase}(?: - Mobility)?$`, 'iu'));
}

/** `Innenbereich Alarm gemeldet von Sensor Terrasse`: the form without a zone number. */
function reportedBySensor(type: Xt1Type, phrase: string): Rule {
  return ruleFor(types, type, new RegExp(`^${phrase} gemeldet von Sensor (?<sensor>.+)$`, 'iu'));
}

function userLine(type: Xt1Type, mode: string): Rule {
  return ruleFor(types, type, new RegExp(`^(?<user>.+), ${mode}$`, 'iu'));
}

const rules: readonly Rule[] = [
  userLine('armed_away', 'Arm'),
  userLine('armed_home', 'Home'),
  userLine('disarmed', 'Disarm'),
  zoneLine('door_open', 'DC Open'),
  zoneLine('door_closed', 'DC Close'),
  zoneLine('motion', 'IR Activity'),
  zoneLine('intrusion', 'Innenbereich Alarm'),
  reportedBySensor('intrusion', 'Innenbereich Alarm'),
  // "deaktiviert" ends a tamper condition: it must never trigger, so it is tried before the alarm form.
  zoneLine('tamper_restored', 'Sabotage Alarm deaktiviert'),
  reportedBySensor('tamper_restored', 'Sabotage Alarm deaktiviert'),
  zoneLine('tamper', 'Sabotage Alarm'),
  reportedBySensor('tamper', 'Sabotage Alarm'),
  zoneLine('periodic_test', 'Periodischer Test Report'),
  zoneLine('supervision_failure', 'Sensorüberwachungsfehler'),
];

/** `Zone:4 Keller, Wasser Alarm`: zone and sensor of an XT1-shaped line that another profile's rule recognised. */
const zonePrefix = /^Zone:\s*(?<zone>\d+)\s+(?<sensor>.+), [^,]+$/iu;

export const xt1: Profile = {
  name: 'xt1',
  eventTypes: typesOf(types),
  match: (lines) => firstMatch(rules, lines),
  detailsOf: (line): LineDetails | undefined => zonePrefix.exec(line)?.groups,
  devices: {
    panel: { id: 'xt1', name: 'Lupusec XT1', manufacturer: 'Lupus Electronics', model: 'XT1' },
    zone: (zone) => ({ name: `Zone ${zone}`, manufacturer: 'Lupus Electronics', model: `XT1 zone ${zone}` }),
  },
};
