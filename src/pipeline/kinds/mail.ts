// The `mail` record kind: what the SMTP intake stores (the envelope as header, the raw message as body) becomes an
// event by parse, then the profiles, and for a camera's mail its pictures (to-event.ts).
import { z } from 'zod';
import type { Envelope } from '../../core/envelope.js';
import type { RouteTable } from '../../core/route.js';
import type { MailParser } from '../../mail/isolated-parser.js';
import type { Profile } from '../../sources/profile.js';
import type { SpoolRecord } from '../../spool/spool.js';
import type { RecordKind, RecordNote, RecordOutcome } from '../record-kind.js';
import { unreadableRecord } from '../record-kind.js';
import { type CameraIntake, eventFromMail } from '../to-event.js';

export interface MailKindDependencies {
  profiles: readonly Profile[];
  routes: RouteTable;
  parser: MailParser;
  /** Camera mails and their pictures; without it no mail is read as a camera's. */
  cameras?: CameraIntake;
}

export function mailKind({ profiles, routes, parser, cameras }: MailKindDependencies): RecordKind {
  return {
    name: 'mail',
    async toEvent(record: SpoolRecord): Promise<RecordOutcome> {
      const envelope = envelopeOf(record.header);
      if (!envelope) return unreadableRecord(record.id, 'smtp', "the mail's envelope is not readable", record.body, new Date());
      const { event, unparsable, refusedImages, imagesFailed } = await eventFromMail(
        { id: record.id, envelope, raw: record.body },
        profiles,
        routes,
        parser,
        cameras,
      );
      const notes: RecordNote[] = [];
      if (refusedImages) notes.push({ level: 'warn', message: 'attachments not kept as pictures', fields: { refused: refusedImages } });
      if (imagesFailed)
        notes.push({
          level: 'error',
          message: 'cannot store the camera pictures: the event goes out without them',
          fields: { reason: imagesFailed },
        });
      return { event, ...(unparsable === undefined ? {} : { unparsable }), ...(notes.length > 0 ? { notes } : {}) };
    },
  };
}

const envelopeSchema = z.object({ from: z.string(), recipients: z.array(z.string()), receivedAt: z.string(), remoteAddress: z.string() });

/** The header as the intake wrote it; undefined for one damaged or written by hand. */
function envelopeOf(header: Readonly<Record<string, unknown>>): Envelope | undefined {
  const parsed = envelopeSchema.safeParse(header);
  return parsed.success ? parsed.data : undefined;
}
