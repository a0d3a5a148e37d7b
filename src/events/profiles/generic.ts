// Words that other panels and later XT firmware use (German and English), for texts no exact line matched.
// German joins words ("Feueralarm", "Rauchmelder"), so German stems match at a word start only;
// English words match as whole words. Restore and test lines come first: they must never trigger.
import type { AlarmState, Category } from '../../core/event.js';
import type { Rule } from '../rules.js';

const source = 'generic';

/** Matches any of the stems at the start of a word (German compounds). */
function stems(...words: string[]): string {
  return `(?<!\\p{L})(?:${words.join('|')})`;
}

/** Matches any of the words as whole words. */
function words(...list: string[]): string {
  return `(?<!\\p{L})(?:${list.join('|')})(?!\\p{L})`;
}

function keyword(pattern: string, type: string, category: Category, alarmState: AlarmState | null): Rule {
  return { pattern: new RegExp(pattern, 'iu'), type, category, alarmState, source };
}

export const genericRules: readonly Rule[] = [
  keyword(
    `${stems('deaktiviert', 'behoben', 'beendet', 'wiederhergestellt', 'aufgehoben')}|${words('restored?', 'cleared', 'ended', 'normal')}`,
    'restored',
    'status',
    null,
  ),
  keyword(stems('test'), 'test', 'test', null),
  keyword(`${stems('sensorüberwachung', 'überwachungsfehler')}|${words('supervision')}`, 'supervision_failure', 'trouble', null),
  keyword(`${stems('batterie schwach', 'batteriewarnung')}|${words('low battery', 'battery low')}`, 'low_battery', 'trouble', null),
  keyword(`${stems('stromausfall', 'netzausfall')}|${words('power failure', 'power loss', 'ac loss', 'mains failure')}`, 'power_failure', 'trouble', null),
  keyword(`${stems('einbruch')}|${words('burglary', 'burglar')}`, 'intrusion', 'alarm', 'triggered'),
  keyword(`${stems('sabotage')}|${words('tamper')}`, 'tamper', 'alarm', 'triggered'),
  keyword(`${stems('feuer', 'brandalarm', 'brandmelder', 'hitze')}|${words('fire', 'heat')}`, 'fire', 'alarm', 'triggered'),
  keyword(`${stems('rauch')}|${words('smoke')}`, 'smoke', 'alarm', 'triggered'),
  keyword(`${stems('wasser')}|${words('water', 'flood', 'leak')}`, 'water', 'alarm', 'triggered'),
  keyword(`${words('co', 'gas', 'kohlenmonoxid', 'carbon monoxide')}|${stems('gasalarm', 'gasmelder', 'co-alarm', 'co-melder')}`, 'gas', 'alarm', 'triggered'),
  keyword(`${stems('panik', 'überfall')}|${words('panic', 'duress')}`, 'panic', 'alarm', 'triggered'),
  keyword(`${stems('notfall', 'notruf', 'medizinisch')}|${words('emergency', 'medical')}`, 'emergency', 'alarm', 'triggered'),
];
