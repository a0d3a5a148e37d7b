// "Try a mail": what the bridge made of a pasted line or mail, and the `rules:` entry that would read such a line
// the same way, for a user who wants to fix or pin down how it is read. YAML by the `yaml` package, so any line
// (quotes, colons, a `#`) comes out as valid YAML.
import { stringify } from 'yaml';
import type { TriedMail } from '../../pipeline/try-mail.js';
import type { Classification } from './api.js';

export function classificationOf({ event, route, unparsable }: TriedMail, mask: (text: string) => string): Classification {
  const text = mask(event.text);
  const camera = event.device === undefined ? null : { id: event.device, name: mask(event.sensor ?? event.device) };
  return {
    source: event.source,
    route,
    category: event.category,
    type: event.type,
    alarm_state: event.alarm_state,
    zone: event.zone,
    sensor: event.sensor === null ? null : mask(event.sensor),
    user: event.user === null ? null : mask(event.user),
    text,
    camera,
    rule: ruleFor(event, text),
    ...(unparsable === undefined ? {} : { unparsable }),
  };
}

/**
 * The line as a case-insensitive whole-line pattern, its sensor and zone as named groups where the line holds them,
 * so the rule reads the next sensor's line too; what the rule would put into the event follows it.
 */
function ruleFor(event: TriedMail['event'], line: string): string {
  let pattern = escapeRegExp(line.trim());
  const sensor = event.sensor?.trim();
  if (sensor && line.includes(sensor)) pattern = pattern.replace(escapeRegExp(sensor), '(?<sensor>.+)');
  if (event.zone !== null) pattern = pattern.replace(new RegExp(`(?<![0-9])${event.zone}(?![0-9])`, 'u'), '(?<zone>\\d+)');
  const rule = {
    match: `^${pattern}$`,
    type: event.type,
    category: event.category,
    alarm_state: event.alarm_state,
  };
  return stringify([rule], { lineWidth: 0 }).trimEnd();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
}
