// The SIA/Ademco Contact ID event codes (SIA DC-05) the bridge tells apart, with the same type names as the mail
// path where they mean the same (XT1 profile: intrusion, tamper, periodic_test, supervision_failure; keywords:
// fire, smoke, water, gas, panic, emergency, low_battery, power_failure). A code not listed is read by its
// hundreds: 1xx an alarm, 2xx and 3xx a trouble, others a status. Names as ioBroker.contactid's table gives them.
import type { AlarmState, Category } from '../../core/event.js';
import type { ZoneEffect } from '../catalog.js';

/** What a code is: 1xx alarm, 2xx/3xx trouble, 4xx open/close (armed away or home), 6xx test, else status. */
export type CodeGroup = 'alarm' | 'trouble' | 'away' | 'home' | 'cancel' | 'test' | 'status';

export interface CodeMeaning {
  /** The readable name of the code, e.g. `Burglary`. */
  name: string;
  /** The event type of a new event (qualifier 1); a restore has the group's restore type. */
  type: string;
  group: CodeGroup;
}

/** Each type a Contact ID report can have, with what it means for the panel and its zone. */
export const contactIdTypes = {
  intrusion: { category: 'alarm', alarmState: 'triggered' },
  tamper: { category: 'alarm', alarmState: 'triggered', zoneEffect: { entity: 'tamper', value: 'ON' } },
  fire: { category: 'alarm', alarmState: 'triggered' },
  smoke: { category: 'alarm', alarmState: 'triggered' },
  water: { category: 'alarm', alarmState: 'triggered' },
  gas: { category: 'alarm', alarmState: 'triggered' },
  panic: { category: 'alarm', alarmState: 'triggered' },
  duress: { category: 'alarm', alarmState: 'triggered' },
  emergency: { category: 'alarm', alarmState: 'triggered' },
  alarm: { category: 'alarm', alarmState: 'triggered' },
  supervision_failure: { category: 'trouble', alarmState: null, zoneEffect: { entity: 'problem', value: 'ON' } },
  power_failure: { category: 'trouble', alarmState: null },
  low_battery: { category: 'trouble', alarmState: null },
  communication_failure: { category: 'trouble', alarmState: null },
  trouble: { category: 'trouble', alarmState: null },
  restored: { category: 'status', alarmState: null },
  tamper_restored: { category: 'status', alarmState: null, zoneEffect: { entity: 'tamper', value: 'OFF' } },
  supervision_restored: { category: 'status', alarmState: null, zoneEffect: { entity: 'problem', value: 'OFF' } },
  armed_away: { category: 'status', alarmState: 'armed_away' },
  armed_home: { category: 'status', alarmState: 'armed_home' },
  disarmed: { category: 'status', alarmState: 'disarmed' },
  alarm_cancelled: { category: 'status', alarmState: null },
  periodic_test: { category: 'test', alarmState: null },
  test: { category: 'test', alarmState: null },
  unknown: { category: 'status', alarmState: null },
} as const satisfies Record<string, { category: Category; alarmState: AlarmState | null; zoneEffect?: ZoneEffect }>;

export type ContactIdType = keyof typeof contactIdTypes;

const alarm = (name: string, type: ContactIdType = 'intrusion'): CodeMeaning => ({ name, type, group: 'alarm' });
const trouble = (name: string, type: ContactIdType = 'trouble'): CodeMeaning => ({ name, type, group: 'trouble' });

const table: Readonly<Record<string, CodeMeaning>> = {
  '100': alarm('Medical', 'emergency'),
  '101': alarm('Personal emergency', 'emergency'),
  '102': alarm('Fail to report in', 'emergency'),
  '110': alarm('Fire', 'fire'),
  '111': alarm('Smoke', 'smoke'),
  '112': alarm('Combustion', 'fire'),
  '113': alarm('Water flow', 'fire'),
  '114': alarm('Heat', 'fire'),
  '115': alarm('Pull station', 'fire'),
  '116': alarm('Duct', 'fire'),
  '117': alarm('Flame', 'fire'),
  '118': alarm('Fire near alarm', 'fire'),
  '120': alarm('Panic', 'panic'),
  '121': alarm('Duress', 'duress'),
  '122': alarm('Silent panic', 'panic'),
  '123': alarm('Audible panic', 'panic'),
  '124': alarm('Duress, access granted', 'duress'),
  '125': alarm('Duress, egress granted', 'duress'),
  '130': alarm('Burglary'),
  '131': alarm('Perimeter burglary'),
  '132': alarm('Interior burglary'),
  '133': alarm('24 hour burglary'),
  '134': alarm('Entry/exit burglary'),
  '135': alarm('Day/night burglary'),
  '136': alarm('Outdoor burglary'),
  '137': alarm('Tamper', 'tamper'),
  '138': alarm('Burglary near alarm'),
  '139': alarm('Intrusion verified'),
  '140': alarm('General alarm', 'alarm'),
  '144': alarm('Sensor tamper', 'tamper'),
  '145': alarm('Expansion module tamper', 'tamper'),
  '146': alarm('Silent burglary'),
  '147': { name: 'Sensor supervision failure', type: 'supervision_failure', group: 'trouble' },
  '150': alarm('24 hour non-burglary', 'alarm'),
  '151': alarm('Gas detected', 'gas'),
  '154': alarm('Water leakage', 'water'),
  '162': alarm('Carbon monoxide detected', 'gas'),
  '300': trouble('System trouble'),
  '301': trouble('AC power loss', 'power_failure'),
  '302': trouble('Low system battery', 'low_battery'),
  '309': trouble('Battery test failure', 'low_battery'),
  '311': trouble('Battery missing', 'low_battery'),
  '350': trouble('Communication trouble', 'communication_failure'),
  '351': trouble('Telco 1 fault', 'communication_failure'),
  '354': trouble('Failure to communicate', 'communication_failure'),
  '380': trouble('Sensor trouble'),
  '381': { name: 'Loss of supervision (RF)', type: 'supervision_failure', group: 'trouble' },
  '383': alarm('Sensor tamper', 'tamper'),
  '384': trouble('RF low battery', 'low_battery'),
  '400': { name: 'Open/close', type: 'armed_away', group: 'away' },
  '401': { name: 'Open/close by user', type: 'armed_away', group: 'away' },
  '402': { name: 'Group open/close', type: 'armed_away', group: 'away' },
  '403': { name: 'Automatic open/close', type: 'armed_away', group: 'away' },
  '407': { name: 'Remote arm/disarm', type: 'armed_away', group: 'away' },
  '408': { name: 'Quick arm', type: 'armed_away', group: 'away' },
  '409': { name: 'Keyswitch open/close', type: 'armed_away', group: 'away' },
  '441': { name: 'Armed stay', type: 'armed_home', group: 'home' },
  '442': { name: 'Keyswitch armed stay', type: 'armed_home', group: 'home' },
  '456': { name: 'Partial arm', type: 'armed_home', group: 'home' },
  '406': { name: 'Cancel', type: 'alarm_cancelled', group: 'cancel' },
  '601': { name: 'Manual test', type: 'test', group: 'test' },
  '602': { name: 'Periodic test', type: 'periodic_test', group: 'test' },
  '603': { name: 'Periodic RF test', type: 'periodic_test', group: 'test' },
  '607': { name: 'Walk test', type: 'test', group: 'test' },
};

/** The meaning of a code; one not in the table by its hundreds. */
export function meaningOf(code: string): CodeMeaning {
  const known = table[code];
  if (known) return known;
  const name = `Contact ID event ${code}`;
  if (code.startsWith('1')) return { name, type: 'alarm', group: 'alarm' };
  if (code.startsWith('2') || code.startsWith('3')) return { name, type: 'trouble', group: 'trouble' };
  return { name, type: 'unknown', group: 'status' };
}
