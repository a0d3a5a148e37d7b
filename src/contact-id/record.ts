// How the Contact ID receiver stores a report: a `contact_id` record with the report's fields, when and from where it
// came as header, and the frame as the panel sent it as body. No resend key: a report carries no sequence number
// or time, so two real alarms of one zone are byte for byte the same; a report the panel sends again because a crash
// took its ACK is a second event (at least once, never lost).
import { type ContactIdReport, contactIdInput } from '../sources/contact-id/index.js';
import type { RecordToStore } from '../spool/spool.js';
import { maxFrameBytes } from './frame.js';

export interface ContactIdHeader extends ContactIdReport {
  /** ISO 8601. */
  receivedAt: string;
  remoteAddress: string;
}

export function contactIdRecord(header: ContactIdHeader, frame: string): RecordToStore {
  return { kind: contactIdInput, header, body: Buffer.from(frame, 'latin1'), maxBytes: maxFrameBytes };
}
