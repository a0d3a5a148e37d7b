// The record kinds the processor knows, by the name their input stores them under: one line per input.
import type { RecordKind } from '../record-kind.js';
import { contactIdKind } from './contact-id.js';
import { type MailKindDependencies, mailKind } from './mail.js';
import { raisedKind } from './raised.js';
import { testKind } from './test.js';

export function buildRecordKinds(mail: MailKindDependencies): ReadonlyMap<string, RecordKind> {
  return new Map([mailKind(mail), raisedKind(), testKind(mail), contactIdKind()].map((kind) => [kind.name, kind]));
}
