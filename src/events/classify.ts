// Mail → AlarmEvent: pure. A line a rule knows decides type, category and state; otherwise the route does.
import type { Mail } from '../mail/mail.js';
import { fallbackTypes, type AlarmEvent, type Route } from './event.js';
import type { Rule } from './rules.js';

/** Enough for any panel's message; bounds the regex work a huge body can cause. */
const maxLines = 20;
const maxLineLength = 500;

/** `Zone:4 Keller, Wasser Alarm`: zone and sensor for lines a keyword rule recognised. */
const zonePrefix = /^Zone:\s*(?<zone>\d+)\s+(?<sensor>.+), [^,]+$/iu;

export interface ClassifyInput {
  id: string;
  mail: Mail;
  route: Route;
}

export function classifyMail({ id, mail, route }: ClassifyInput, rules: readonly Rule[]): AlarmEvent {
  const lines = candidateLines(mail);
  const mailFields = {
    from: mail.envelope.from || mail.headerFrom,
    recipients: [...mail.envelope.recipients],
    subject: mail.subject,
  };
  for (const rule of rules) {
    for (const line of lines) {
      const match = rule.pattern.exec(line);
      if (!match) continue;
      const details = { ...zonePrefix.exec(line)?.groups, ...match.groups };
      return {
        id,
        time: mail.envelope.receivedAt,
        source: rule.source,
        category: rule.category,
        type: rule.type,
        alarm_state: rule.alarmState,
        zone: details.zone === undefined ? null : Number(details.zone),
        sensor: details.sensor?.trim() || null,
        user: details.user?.trim() || null,
        text: line,
        ...mailFields,
      };
    }
  }
  return { id, time: mail.envelope.receivedAt, ...byRoute(route), zone: null, sensor: null, user: null, text: lines[0] ?? '', ...mailFields };
}

/** When no rule knows the text: the panel called it an alarm by the address it used, or it did not. */
function byRoute(route: Route): Pick<AlarmEvent, 'source' | 'category' | 'type' | 'alarm_state'> {
  if (route === 'alarm') return { source: 'generic', category: 'alarm', type: fallbackTypes.alarmRoute, alarm_state: 'triggered' };
  return { source: 'generic', category: 'status', type: fallbackTypes.otherRoute, alarm_state: null };
}

/** The body's non-empty lines, then the subject: the XT1 puts the whole event in one body line. */
function candidateLines(mail: Mail): string[] {
  const lines: string[] = [];
  for (const line of mail.text.slice(0, maxLines * maxLineLength * 2).split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed) lines.push(trimmed.slice(0, maxLineLength));
    if (lines.length === maxLines) break;
  }
  const subject = mail.subject.trim();
  if (subject) lines.push(subject.slice(0, maxLineLength));
  return lines;
}
