// The `contact_id` record kind: a report the Contact ID receiver stored (its fields and arrival as header, the frame
// as body) becomes an event through the Contact ID profile's code table, with the id the spool gave it.
import { z } from 'zod';
import { contactIdEvent, contactIdInput } from '../../sources/contact-id/index.js';
import type { SpoolRecord } from '../../spool/spool.js';
import { type RecordKind, type RecordOutcome, unreadableRecord } from '../record-kind.js';

const headerSchema = z.object({
  receivedAt: z.iso.datetime(),
  account: z.string().min(1).max(32),
  qualifier: z.number().int(),
  code: z.string().regex(/^[0-9A-F]{3}$/u),
  partition: z.string().regex(/^[0-9A-F]{2}$/u),
  zone: z.string().regex(/^[0-9A-F]{3}$/u),
});

export function contactIdKind(): RecordKind {
  return {
    name: contactIdInput,
    async toEvent(record: SpoolRecord): Promise<RecordOutcome> {
      const header = headerSchema.safeParse(record.header);
      if (!header.success)
        return unreadableRecord(record.id, contactIdInput, 'the Contact ID report is not readable', record.body, new Date());
      const { receivedAt, ...report } = header.data;
      return { event: contactIdEvent(report, record.id, receivedAt) };
    },
  };
}
