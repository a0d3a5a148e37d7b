// The Contact ID profile: a report's fields (code, qualifier, partition, zone or user) → the event, by the code
// table (codes.ts), with the same types and states as the mail path where they mean the same. Pure. Zone 000 is the
// panel itself (no zone); for open/close codes (4xx) the three digits are the user.
import type { AlarmEvent } from '../../core/event.js';
import type { SourceDescription } from '../catalog.js';
import { typesOf } from '../rule.js';
import { type CodeMeaning, type ContactIdType, contactIdTypes, meaningOf } from './codes.js';

export const contactIdInput = 'contact_id';

/** A report as the receiver stored it. */
export interface ContactIdReport {
  account: string;
  /** 1 new event or opening, 3 restore or closing, 6 still present. */
  qualifier: number;
  code: string;
  partition: string;
  zone: string;
}

/** What the catalog and Home Assistant's discovery learn of Contact ID events: their types and zone effects. */
export const contactIdDescription: SourceDescription = { name: contactIdInput, eventTypes: typesOf(contactIdTypes) };

const qualifierLetters: Readonly<Record<number, string>> = { 1: 'E', 3: 'R', 6: 'S' };

/** The event of one report received at `time` (ISO 8601), under the spool's `id`. */
export function contactIdEvent(report: ContactIdReport, id: string, time: string): AlarmEvent {
  const meaning = meaningOf(report.code);
  const userCode = isOpenClose(meaning);
  const number = digitsOf(report.zone);
  const who = number === null || number === 0 ? null : number;
  const { type, words } = typeAndWords(meaning, report.qualifier);
  const still = report.qualifier === 6;
  const { category, alarmState } = contactIdTypes[type];
  const where = who === null ? '' : userCode ? ` by user ${who}` : ` zone ${who}`;
  const letter = qualifierLetters[report.qualifier] ?? '?';
  const codeText = `${letter}${report.code} P${report.partition} ${userCode ? 'U' : 'Z'}${report.zone}`;
  return {
    id,
    time,
    input: contactIdInput,
    source: contactIdInput,
    // A condition told again (6) is no new alarm and says nothing new of the panel's state.
    category: still ? 'status' : category,
    type,
    alarm_state: still ? null : alarmState,
    zone: userCode ? null : who,
    sensor: null,
    user: userCode && who !== null ? `User ${who}` : null,
    text: `${words}${still ? ' still present' : ''}${where} (${codeText})`,
    details: { code: report.code, qualifier: report.qualifier, partition: digitsOf(report.partition), account: report.account },
  };
}

function isOpenClose(meaning: CodeMeaning): boolean {
  return meaning.group === 'away' || meaning.group === 'home' || meaning.group === 'cancel';
}

/** A new event (1, 6) is the code's type; a restore (3) ends it, and for open/close a closing (3) is the arming. */
function typeAndWords(meaning: CodeMeaning, qualifier: number): { type: ContactIdType; words: string } {
  const restore = qualifier === 3;
  const type = meaning.type as ContactIdType;
  switch (meaning.group) {
    case 'away':
    case 'home':
      if (!restore) return { type: 'disarmed', words: 'Disarmed' };
      return meaning.group === 'home' ? { type: 'armed_home', words: 'Armed home' } : { type: 'armed_away', words: 'Armed away' };
    case 'alarm':
    case 'trouble':
      if (!restore) return { type, words: meaning.name };
      if (type === 'tamper') return { type: 'tamper_restored', words: `${meaning.name} restored` };
      if (type === 'supervision_failure') return { type: 'supervision_restored', words: `${meaning.name} restored` };
      return { type: 'restored', words: `${meaning.name} restored` };
    default:
      return { type, words: meaning.name };
  }
}

/** `003` → 3; hex digits a panel might send (B–F) are no number. */
function digitsOf(text: string): number | null {
  return /^\d+$/u.test(text) ? Number(text) : null;
}
