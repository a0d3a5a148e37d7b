// The text an escalation level gets: what happened, where and when, how many alarms, which level — short enough
// for one SMS and to be read out on a call, in German or English (`incidents.language`).
import { type Incident, whereAndWhat } from './incident.js';

export type Language = 'de' | 'en';

const words = {
  de: {
    headline: (level: number) => `Alarm nicht quittiert, Stufe ${level}`,
    more: (count: number, last: string) => `${count} Alarme, der letzte ${last}`,
  },
  en: {
    headline: (level: number) => `Alarm not acknowledged, level ${level}`,
    more: (count: number, last: string) => `${count} alarms, the last ${last}`,
  },
} as const;

/**
 * `Alarm nicht quittiert, Stufe 2: Zone 4 Keller: Einbruch 03:12. 3 Alarme, der letzte 03:15.` Times in the
 * bridge's zone (TZ), with the date when not today; `timeZone` for tests.
 */
export function escalationText(incident: Incident, level: number, language: Language, now: Date, timeZone?: string): string {
  const say = words[language];
  const first = incident.alarms[0]!;
  const last = incident.alarms.at(-1) ?? first;
  const when = (iso: string) => clockTime(iso, now, language, timeZone);
  const parts = [`${say.headline(level)}: ${whereAndWhat(first)} ${when(first.time)}.`];
  if (incident.alarmCount > 1) parts.push(`${say.more(incident.alarmCount, when(last.time))}.`);
  return parts.join(' ');
}

/** `03:12`, or `02.12. 03:12` (`02/12 03:12` in English) on another day than today. */
function clockTime(iso: string, now: Date, language: Language, timeZone: string | undefined): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '';
  const zone = timeZone ? { timeZone } : {};
  const locale = language === 'de' ? 'de-DE' : 'en-GB';
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...zone }).format(time);
  const dayOf = (date: Date) =>
    new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', ...zone }).format(date);
  if (dayOf(time) === dayOf(now)) return clock;
  return `${new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', ...zone }).format(time)} ${clock}`;
}
