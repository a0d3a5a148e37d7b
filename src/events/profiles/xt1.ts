// The Lupusec XT1 (firmware 1.0.89, German): one body line per mail, no timestamp, no subject.
// Grammar seen in the field: `Zone:<n> <name>, <phrase>( - Mobility)?` and `<user>, Arm|Home|Disarm`.
// Names hold umlauts, digits, spaces, parentheses and commas, so the name ends at the last ", ".
import type { Rule } from '../rules.js';

const source = 'xt1';

/** `Zone:5 PIR EG, IR Activity - Mobility`: the greedy name backtracks to the last ", ". */
function zoneLine(phrase: string): RegExp {
  return new RegExp(`^Zone:\\s*(?<zone>\\d+)\\s+(?<sensor>.+), ${phrase}(?: - Mobility)?$`, 'iu');
}

/** `Innenbereich Alarm gemeldet von Sensor Terrasse`: the form without a zone number. */
function reportedBySensor(phrase: string): RegExp {
  return new RegExp(`^${phrase} gemeldet von Sensor (?<sensor>.+)$`, 'iu');
}

function userLine(mode: string): RegExp {
  return new RegExp(`^(?<user>.+), ${mode}$`, 'iu');
}

export const xt1Rules: readonly Rule[] = [
  { pattern: userLine('Arm'), type: 'armed_away', category: 'status', alarmState: 'armed_away', source },
  { pattern: userLine('Home'), type: 'armed_home', category: 'status', alarmState: 'armed_home', source },
  { pattern: userLine('Disarm'), type: 'disarmed', category: 'status', alarmState: 'disarmed', source },
  { pattern: zoneLine('DC Open'), type: 'door_open', category: 'status', alarmState: null, source },
  { pattern: zoneLine('DC Close'), type: 'door_closed', category: 'status', alarmState: null, source },
  { pattern: zoneLine('IR Activity'), type: 'motion', category: 'status', alarmState: null, source },
  { pattern: zoneLine('Innenbereich Alarm'), type: 'intrusion', category: 'alarm', alarmState: 'triggered', source },
  { pattern: reportedBySensor('Innenbereich Alarm'), type: 'intrusion', category: 'alarm', alarmState: 'triggered', source },
  // "deaktiviert" ends a tamper condition: it must never trigger, so it is tried before the alarm form.
  { pattern: zoneLine('Sabotage Alarm deaktiviert'), type: 'tamper_restored', category: 'status', alarmState: null, source },
  { pattern: reportedBySensor('Sabotage Alarm deaktiviert'), type: 'tamper_restored', category: 'status', alarmState: null, source },
  { pattern: zoneLine('Sabotage Alarm'), type: 'tamper', category: 'alarm', alarmState: 'triggered', source },
  { pattern: reportedBySensor('Sabotage Alarm'), type: 'tamper', category: 'alarm', alarmState: 'triggered', source },
  { pattern: zoneLine('Periodischer Test Report'), type: 'periodic_test', category: 'test', alarmState: null, source },
  { pattern: zoneLine('Sensorüberwachungsfehler'), type: 'supervision_failure', category: 'trouble', alarmState: null, source },
];
