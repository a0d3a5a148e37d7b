// Words that other panels and later XT firmware use (German and English), for texts no exact line matched.
// German joins words ("Feueralarm", "Rauchmelder"), so German stems match at a word start only;
// English words match as whole words. Restore and test lines come first: they must never trigger.
// Its events have the source `generic` (the name events had before profiles had names; subscribers rely on it).
import type { EventType, Profile } from '../profile.js';
import { firstMatch, type Rule, ruleFor, typesOf } from '../rule.js';

/** The keyword types and what they mean, in the order Home Assistant lists them. */
const types = {
  restored: { category: 'status', alarmState: null },
  test: { category: 'test', alarmState: null },
  supervision_failure: { category: 'trouble', alarmState: null, zoneEffect: { entity: 'problem', value: 'ON' } },
  low_battery: { category: 'trouble', alarmState: null },
  power_failure: { category: 'trouble', alarmState: null },
  intrusion: { category: 'alarm', alarmState: 'triggered' },
  tamper: { category: 'alarm', alarmState: 'triggered', zoneEffect: { entity: 'tamper', value: 'ON' } },
  fire: { category: 'alarm', alarmState: 'triggered' },
  smoke: { category: 'alarm', alarmState: 'triggered' },
  water: { category: 'alarm', alarmState: 'triggered' },
  gas: { category: 'alarm', alarmState: 'triggered' },
  panic: { category: 'alarm', alarmState: 'triggered' },
  emergency: { category: 'alarm', alarmState: 'triggered' },
} as const satisfies Record<string, Omit<EventType, 'type'>>;

/** Matches any of the stems at the start of a word (German compounds). */
function stems(...words: string[]): string {
  return `(?<!\\p{L})(?:${words.join('|')})`;
}

/** Matches any of the words as whole words. */
function words(...list: string[]): string {
  return `(?<!\\p{L})(?:${list.join('|')})(?!\\p{L})`;
}

function keyword(pattern: string, type: keyof typeof types): Rule {
  return ruleFor(types, type, new RegExp(pattern, 'iu'));
}

const rules: readonly Rule[] = [
  keyword(
    `${stems('deaktiviert', 'behoben', 'beendet', 'wiederhergestellt', 'aufgehoben')}|${words('restored?', 'cleared', 'ended', 'normal')}`,
    'restored',
  ),
  keyword(stems('test'), 'test'),
  keyword(`${stems('sensorüberwachung', 'überwachungsfehler')}|${words('supervision')}`, 'supervision_failure'),
  keyword(`${stems('batterie schwach', 'batteriewarnung')}|${words('low battery', 'battery low')}`, 'low_battery'),
  keyword(`${stems('stromausfall', 'netzausfall')}|${words('power failure', 'power loss', 'ac loss', 'mains failure')}`, 'power_failure'),
  keyword(`${stems('einbruch')}|${words('burglary', 'burglar')}`, 'intrusion'),
  keyword(`${stems('sabotage')}|${words('tamper')}`, 'tamper'),
  keyword(`${stems('feuer', 'brandalarm', 'brandmelder', 'hitze')}|${words('fire', 'heat')}`, 'fire'),
  keyword(`${stems('rauch')}|${words('smoke')}`, 'smoke'),
  keyword(`${stems('wasser')}|${words('water', 'flood', 'leak')}`, 'water'),
  keyword(`${words('co', 'gas', 'kohlenmonoxid', 'carbon monoxide')}|${stems('gasalarm', 'gasmelder', 'co-alarm', 'co-melder')}`, 'gas'),
  keyword(`${stems('panik', 'überfall')}|${words('panic', 'duress')}`, 'panic'),
  keyword(`${stems('notfall', 'notruf', 'medizinisch')}|${words('emergency', 'medical')}`, 'emergency'),
];

export const keywords: Profile = {
  name: 'generic',
  eventTypes: typesOf(types),
  match: (lines) => firstMatch(rules, lines),
};
