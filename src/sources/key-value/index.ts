// Panels that mail one fact per line as `key: value`, in English or German:
//   Event: Burglary        Ereignis: Einbruch          (the event word, required: it is how the mail is claimed)
//   Zone: 3 Kitchen        Bereich: 3 Küche            (a number, possibly with a name after it; also `Area:`)
//   Sensor: Window left    Melder: Fenster links
//   User: Anna             Benutzer: Anna
// The event word is read by the keyword profile's rules, so `Ereignis: Feueralarm beendet` is a restore like
// any such text; a word the keywords do not know leaves the mail to the profiles after this one. Only body lines
// count: the keys name one another (zone, sensor), and a subject alone has none of them.
import { keywords } from '../keywords/index.js';
import type { LineDetails, MailText, Match, Profile } from '../profile.js';

type Key = 'event' | 'zone' | 'sensor' | 'user';

/** The keys understood, lower case. */
const keys: ReadonlyMap<string, Key> = new Map([
  ['event', 'event'],
  ['ereignis', 'event'],
  ['zone', 'zone'],
  ['area', 'zone'],
  ['bereich', 'zone'],
  ['sensor', 'sensor'],
  ['melder', 'sensor'],
  ['user', 'user'],
  ['benutzer', 'user'],
]);

/** `Key: value`; the key is one word, so a sentence with a colon in it is no key line. */
const keyLine = /^(?<key>\p{L}+)\s*:\s*(?<value>.*\S)\s*$/u;

/** `3`, `3 Küche`, `3 - Küche`, `3, Küche`: the zone's number and the name after it; a bare name has no number. */
const zoneValue = /^(?:(?<zone>\d{1,9})(?:\s*[-,:]\s*|\s+|$))?(?<name>.*)$/u;

interface KeyValue {
  key: Key;
  value: string;
  line: string;
}

function keyValues(lines: readonly string[]): KeyValue[] {
  const found: KeyValue[] = [];
  for (const line of lines) {
    const groups = keyLine.exec(line)?.groups;
    const key = groups ? keys.get(groups.key!.toLowerCase()) : undefined;
    if (key) found.push({ key, value: groups!.value!, line });
  }
  return found;
}

function claims({ body }: MailText): boolean {
  return keyValues(body).some((each) => each.key === 'event');
}

function match(lines: readonly string[]): Match | undefined {
  const values = keyValues(lines);
  const events = values.filter((each) => each.key === 'event');
  // The keyword rules in their order over every event value: a restore wins over an alarm, as in any text.
  const word = keywords.match(events.map((each) => each.value));
  if (!word) return undefined;
  // A restore, test or trouble line elsewhere in the mail must never become an alarm because the event word is one
  // (`Event: Burglary` + `Status: Restored`): then the keywords read the mail as they always did.
  if (word.alarmState === 'triggered' && keywords.match(lines)?.alarmState !== 'triggered') return undefined;
  const first = (key: Key) => values.find((each) => each.key === key)?.value;
  const zone = zoneValue.exec(first('zone') ?? '')?.groups;
  const details: LineDetails = { zone: zone?.zone, sensor: first('sensor') ?? (zone?.name || undefined), user: first('user') };
  const line = events.find((each) => each.value === word.line)!.line;
  return { type: word.type, category: word.category, alarmState: word.alarmState, line, details };
}

export const keyValue: Profile = {
  name: 'key-value',
  // It produces the keyword types and nothing else.
  eventTypes: keywords.eventTypes,
  claims,
  match,
};
