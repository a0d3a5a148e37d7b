// The `test` record kind: a test mail made on the status page. It is stored and read like a panel's mail (spool,
// parser, profiles), and becomes a `test` event with `input: test`: it never changes the panel's state, never counts
// as the panel's mail, and reaches SMS and Telegram only when the person asked for it (`details.deliver`).
import { z } from 'zod';
import { type AlarmEvent, testInput } from '../../core/event.js';
import type { RecordToStore, SpoolRecord } from '../../spool/spool.js';
import { type RecordKind, type RecordOutcome, unreadableRecord } from '../record-kind.js';
import { type MailKindDependencies, mailKind } from './mail.js';

export const testKindName = 'test';

const testHeader = z.object({ deliver: z.boolean() });

/** The sender and recipient of every test mail: `.invalid`, so they can never be a real address. */
const testAddresses = { from: 'status-page@alarm-mail-bridge.invalid', to: 'test@alarm-mail-bridge.invalid' };

/** The test mail of the status page as a record: a short plain-text mail whose words name no alarm. */
export function testRecord(now: Date, deliver: boolean): RecordToStore {
  const raw = [
    `From: Alarm Mail Bridge <${testAddresses.from}>`,
    `To: <${testAddresses.to}>`,
    'Subject: Bridge test (status page)',
    `Date: ${now.toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Test event from the status page: a delivery check, nothing to do',
    '',
  ].join('\r\n');
  return {
    kind: testKindName,
    header: {
      from: testAddresses.from,
      recipients: [testAddresses.to],
      receivedAt: now.toISOString(),
      remoteAddress: 'status page',
      deliver,
    },
    body: Buffer.from(raw),
    maxBytes: 64 * 1024,
  };
}

export function testKind(mail: MailKindDependencies): RecordKind {
  const asMail = mailKind(mail);
  return {
    name: testKindName,
    async toEvent(record: SpoolRecord): Promise<RecordOutcome> {
      const header = testHeader.safeParse(record.header);
      if (!header.success) return unreadableRecord(record.id, testInput, 'the test record has no delivery choice', record.body, new Date());
      const outcome = await asMail.toEvent(record);
      return { ...outcome, event: asTest(outcome.event, header.data.deliver) };
    },
  };
}

/** Whatever a user's rule makes of its words, a test stays a test: no state, no alarm. */
function asTest(event: AlarmEvent, deliver: boolean): AlarmEvent {
  return {
    ...event,
    input: testInput,
    category: 'test',
    type: event.category === 'test' ? event.type : 'test',
    alarm_state: null,
    details: { ...event.details, deliver },
  };
}
