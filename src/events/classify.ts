// Mail → AlarmEvent: pure. A line a rule knows decides type, category and state; otherwise the route does.
// The body's lines come first; the subject counts only when no body line matches any rule.
import type { Mail } from '../mail/mail.js';
import { fallbackTypes, type AlarmEvent, type Route } from '../core/event.js';
import type { Rule } from './rules.js';

/** Enough for any panel's message; bounds the regex work a huge body can cause, and the event's text and subject. */
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
  const body = bodyLines(mail.text);
  const subject = clip(mail.subject.trim());
  const mailFields = {
    from: mail.envelope.from || mail.headerFrom,
    recipients: [...mail.envelope.recipients],
    subject,
  };
  // The body decides: a subject such as swaks's default `test <date>` must not turn "Feuer im Keller" into a test.
  const found = firstMatch(rules, body) ?? firstMatch(rules, subject ? [subject] : []);
  if (found) {
    const { rule, line, match } = found;
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
  return { id, time: mail.envelope.receivedAt, ...byRoute(route), zone: null, sensor: null, user: null, text: body[0] ?? subject, ...mailFields };
}

/** Each rule in order over all the lines: the rule decides, not the line's position (user rules first). */
function firstMatch(rules: readonly Rule[], lines: readonly string[]): { rule: Rule; line: string; match: RegExpExecArray } | undefined {
  for (const rule of rules) {
    for (const line of lines) {
      const match = rule.pattern.exec(line);
      if (match) return { rule, line, match };
    }
  }
  return undefined;
}

/** When no rule knows the text: the panel called it an alarm by the address it used, or it did not. */
function byRoute(route: Route): Pick<AlarmEvent, 'source' | 'category' | 'type' | 'alarm_state'> {
  if (route === 'alarm') return { source: 'generic', category: 'alarm', type: fallbackTypes.alarmRoute, alarm_state: 'triggered' };
  return { source: 'generic', category: 'status', type: fallbackTypes.otherRoute, alarm_state: null };
}

/** The body's first non-empty lines: the XT1 puts the whole event in one body line. */
function bodyLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.slice(0, maxLines * maxLineLength * 2).split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed) lines.push(clip(trimmed));
    if (lines.length === maxLines) break;
  }
  return lines;
}

/** At most `maxLineLength` characters, without leaving half of a surrogate pair (an emoji) at the end. */
function clip(line: string): string {
  if (line.length <= maxLineLength) return line;
  const cut = line.slice(0, maxLineLength);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
