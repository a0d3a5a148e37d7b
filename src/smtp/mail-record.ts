// How the SMTP intake stores a mail: a `mail` record with the envelope as header and the raw message as body,
// recognised by its resend key when the client sends it again because it never read its 250.
import type { Readable } from 'node:stream';
import type { Envelope } from '../core/envelope.js';
import { mailResendKey } from '../spool/resend-key.js';
import type { RecordToStore } from '../spool/spool.js';

export function mailRecord(envelope: Envelope, message: Readable | Buffer, maxBytes: number): RecordToStore {
  return { kind: 'mail', header: envelope, body: message, maxBytes, resendKey: mailResendKey(envelope) };
}
