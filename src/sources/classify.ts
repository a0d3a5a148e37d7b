// Mail → AlarmEvent: pure, and no vendor's grammar. The profiles are tried in the registry's order; the first to
// recognise a line decides type, category and state; otherwise the route does. The body's lines come first; the
// subject counts only when no profile recognises a body line.

import { type AlarmEvent, fallbackTypes, type MailEvent, type Route } from '../core/event.js';
import type { Mail } from '../mail/mail.js';
import type { LineDetails, MailText, Match, Profile } from './profile.js';

/** Enough for any panel's message; bounds the regex work a huge body can cause, and the event's text and subject. */
const maxLines = 20;
const maxLineLength = 500;

export interface ClassifyInput {
  id: string;
  mail: Mail;
  route: Route;
}

export function classifyMail({ id, mail, route }: ClassifyInput, profiles: readonly Profile[]): MailEvent {
  const text: MailText = { mail, body: bodyLines(mail.text), subject: clip(mail.subject.trim()) };
  const mailFields = {
    from: mail.envelope.from || mail.headerFrom,
    recipients: [...mail.envelope.recipients],
    subject: text.subject,
  };
  const tried = profiles.filter((profile) => !profile.claims || profile.claims(text));
  // The body decides: a subject such as swaks's default `test <date>` must not turn "Feuer im Keller" into a test.
  const found = firstMatch(tried, text.body) ?? firstMatch(tried, text.subject ? [text.subject] : []);
  if (found) {
    const { profile, match } = found;
    const details = { ...detailsOf(profiles, match.line), ...match.details };
    return {
      id,
      time: mail.envelope.receivedAt,
      source: profile.name,
      category: match.category,
      type: match.type,
      alarm_state: match.alarmState,
      zone: zoneNumber(details.zone),
      sensor: details.sensor?.trim() || null,
      user: details.user?.trim() || null,
      text: match.line,
      ...mailFields,
    };
  }
  return {
    id,
    time: mail.envelope.receivedAt,
    ...byRoute(route),
    zone: null,
    sensor: null,
    user: null,
    text: text.body[0] ?? text.subject,
    ...mailFields,
  };
}

/** Each profile in order over all the lines (each tries its own patterns in order over all of them). */
function firstMatch(profiles: readonly Profile[], lines: readonly string[]): { profile: Profile; match: Match } | undefined {
  if (lines.length === 0) return undefined;
  for (const profile of profiles) {
    const match = profile.match(lines);
    if (match) return { profile, match };
  }
  return undefined;
}

/** A recognised line's zone and sensor by the grammar of the first profile that reads it (e.g. `Zone:4 Keller, …`). */
function detailsOf(profiles: readonly Profile[], line: string): LineDetails | undefined {
  for (const profile of profiles) {
    const details = profile.detailsOf?.(line);
    if (details) return details;
  }
  return undefined;
}

/** When no profile knows the text: the panel called it an alarm by the address it used, or it did not. */
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

/** Panels number their zones in the tens or hundreds; a longer number is no zone (it would become a topic and a device). */
const highestZone = 9999;

function zoneNumber(text: string | undefined): number | null {
  const zone = text === undefined ? Number.NaN : Number(text);
  return Number.isInteger(zone) && zone >= 0 && zone <= highestZone ? zone : null;
}
