// The `raised` record kind: an event a feature raised (e.g. `trouble/source_silent`), stored as its draft in JSON
// so that it is durable before it counts as raised and survives a crash with its id. It becomes an event with the
// id the spool gave, the time it was raised and `input: raised`; it carries no mail fields.
import { z } from 'zod';
import { type AlarmEvent, alarmStates, categories, type RaisedEventDraft } from '../../core/event.js';
import type { RecordToStore, SpoolRecord } from '../../spool/spool.js';
import { type RecordKind, type RecordOutcome, unreadableRecord } from '../record-kind.js';

export const raisedKindName = 'raised';

/** A draft is a few short fields; a larger one is a feature's bug, refused at `raise` rather than stored. */
export const maxRaisedBytes = 16 * 1024;

const name = z.string().min(1).max(64);
const detailValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);
/** A level names a few people; more is a configuration no escalation needs. */
const targets = z.array(z.string().min(1).max(64)).max(20);

/** What `raise` accepts; checked before the record is stored, and again when it is read back. */
export const raisedDraftSchema = z.strictObject({
  source: name,
  category: z.enum(categories),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/u, 'snake_case')
    .max(64),
  text: z.string().max(1000),
  alarm_state: z.enum(alarmStates).nullable().optional(),
  zone: z.number().int().min(0).max(9999).nullable().optional(),
  sensor: z.string().max(200).nullable().optional(),
  user: z.string().max(200).nullable().optional(),
  details: z.record(z.string().max(64), detailValue).optional(),
  to: z
    .strictObject({
      sms: targets.optional(),
      telegram: targets.optional(),
      call: targets.optional(),
    })
    .optional(),
});

const headerSchema = z.object({ raisedAt: z.iso.datetime() });

/** The record `raise` stores for a draft (already checked). */
export function raisedRecord(draft: RaisedEventDraft, raisedAt: Date): RecordToStore {
  return {
    kind: raisedKindName,
    header: { raisedAt: raisedAt.toISOString() },
    body: Buffer.from(JSON.stringify(draft)),
    maxBytes: maxRaisedBytes,
  };
}

export function raisedKind(): RecordKind {
  return {
    name: raisedKindName,
    async toEvent(record: SpoolRecord): Promise<RecordOutcome> {
      const header = headerSchema.safeParse(record.header);
      if (!header.success) return unreadableRecord(record.id, raisedKindName, 'the raised event has no time', record.body, new Date());
      const draft = raisedDraftSchema.safeParse(parseJson(record.body));
      if (!draft.success)
        return unreadableRecord(
          record.id,
          raisedKindName,
          `the raised event is not readable (${z.prettifyError(draft.error)})`,
          record.body,
          new Date(),
        );
      return { event: eventOf(record.id, header.data.raisedAt, draft.data) };
    },
  };
}

function eventOf(id: string, time: string, draft: z.infer<typeof raisedDraftSchema>): AlarmEvent {
  const { source, category, type, text, alarm_state = null, zone = null, sensor = null, user = null, details, to } = draft;
  return {
    id,
    time,
    input: 'raised',
    source,
    category,
    type,
    alarm_state,
    zone,
    sensor,
    user,
    text,
    ...(details ? { details } : {}),
    ...(to ? { to } : {}),
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
