// DATA: the message streams into the spool, and the reply says whether it is kept. 250 only once the spool holds it
// durably; too large is 552 (drained, never stored); a spool that cannot store it is 451, so the sender tries again.
import type { SMTPServerDataStream } from 'smtp-server';
import type { Envelope } from '../core/envelope.js';
import { maskAddress } from '../core/mask.js';
import type { Logger } from '../log.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { mailRecord } from './mail-record.js';
import { MailRejected, type Refuse } from './replies.js';

export interface Receiving {
  spool: Spool;
  log: Logger;
  refuse: Refuse;
  maxMessageBytes: number;
  /** The spool holds the mail (a resent one included), just before the 250. */
  onStored: () => void;
}

export interface Received {
  id: string;
  /** Small mails come along in memory. */
  record: SpoolRecord | undefined;
  /** The same mail was stored within the last minutes: `id` is the first copy's, nothing new to process. */
  resent: boolean;
}

/** Stores the message; resolves with what the 250 names, rejects with the refusal to answer. */
export async function receiveMail(
  stream: SMTPServerDataStream,
  envelope: Envelope,
  { spool, log, refuse, maxMessageBytes, onStored }: Receiving,
): Promise<Received> {
  const from = maskAddress(envelope.from);
  const remote = envelope.remoteAddress;
  try {
    const draft = await spool.write(mailRecord(envelope, stream, maxMessageBytes));
    if (draft.oversized || stream.sizeExceeded) {
      await draft.discard();
      log.warn({ from, remote, limitBytes: maxMessageBytes }, 'mail refused: too large');
      throw refuse(552, 'Error: message exceeds fixed maximum message size', remote);
    }
    const { id, record, resent } = await draft.commit();
    onStored();
    if (resent) log.info({ mailId: id, from, remote }, `mail resent by the client: kept as ${id}`);
    else
      log.info({ mailId: id, from, recipients: envelope.recipients.map(maskAddress), bytes: stream.byteLength, remote }, 'mail accepted');
    return { id, record, resent };
  } catch (error) {
    if (error instanceof MailRejected) throw error;
    if (clientWentAway(error)) {
      // Nothing to answer and nothing lost: the sender still has the mail and was told nothing.
      log.info({ from, remote }, 'client went away in the middle of DATA: nothing stored');
    } else {
      log.error({ err: error, from }, 'mail not stored: answered 451 so the sender retries');
    }
    throw refuse(451, 'Temporary local problem: mail not stored, try again later', remote);
  }
}

/**
 * smtp-server destroys the message stream when the socket closes before the final dot: with an `ECONNECTION` error
 * once the spool reads it, without one before (then reading it fails with a premature close). Nothing else ends it.
 */
function clientWentAway(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { code } = cause as NodeJS.ErrnoException;
    if (code === 'ECONNECTION' || code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  }
  return false;
}
