// What makes a resent mail recognisable, gathered while it streams into the spool: its Message-ID, its envelope
// and a hash of its exact bytes. A client that never read its 250 (the bridge crashed in between) sends the same
// bytes again; two real alarms differ in Message-ID or, from a camera that sends a constant one, in their bytes.
// Only a mail with a `Date:` as well gets a key: a device that writes no date could send byte-identical mails for
// two real motions, and those must never be merged (RFC 5322 §3.6 asks for both fields; the naive senders omit them).
import { createHash, type Hash } from 'node:crypto';
import type { Envelope } from '../core/envelope.js';
import type { ResendKeyGatherer, SpoolRecord } from './spool.js';

/** How far the header block is looked at; a mail whose header is longer gets no key (it stays at-least-once). */
const maxHeadBytes = 64 * 1024;

export class ResendKeyReader {
  #head: Buffer[] = [];
  #headBytes = 0;
  /** The last bytes seen, so that an empty line split across two chunks is found; a message that starts with one has no header. */
  #tail = Buffer.from('\n');
  #examined = false;
  #messageId: string | undefined;
  /** Hashes the whole message, only once a Message-ID was found: mails without one never pay for it. */
  #hash: Hash | undefined;

  update(chunk: Buffer): void {
    if (this.#hash) {
      this.#hash.update(chunk);
      return;
    }
    if (this.#examined) return;
    const seen = Buffer.concat([this.#tail, chunk]);
    const end = headerEnd(seen);
    const seenStart = this.#headBytes - this.#tail.length;
    this.#head.push(chunk);
    this.#headBytes += chunk.length;
    if (end !== undefined) this.#examine(seenStart + end);
    else if (this.#headBytes >= maxHeadBytes) this.#examine(undefined);
    else this.#tail = Buffer.from(seen.subarray(-2));
  }

  /** After the last chunk: the key, or undefined when the mail has no Message-ID (within the first 64 KB). */
  key(envelope: Pick<Envelope, 'from' | 'recipients'>): string | undefined {
    // A mail that ended inside its header (no body): the whole of it is header.
    if (!this.#examined) this.#examine(this.#headBytes);
    if (!this.#hash || this.#messageId === undefined) return undefined;
    const identity = JSON.stringify([this.#messageId, envelope.from, envelope.recipients, this.#hash.digest('hex')]);
    return createHash('sha256').update(identity).digest('hex').slice(0, 32);
  }

  /** `headerBytes`: where the header block ends, undefined when it did not end within the limit. */
  #examine(headerBytes: number | undefined): void {
    this.#examined = true;
    const head = Buffer.concat(this.#head);
    this.#head = [];
    if (headerBytes === undefined || headerBytes > maxHeadBytes) return;
    this.#messageId = resendIdentityOf(head.subarray(0, headerBytes).toString('latin1'));
    if (this.#messageId === undefined) return;
    this.#hash = createHash('sha256').update(head);
  }
}

/** The header block's `Message-ID` value, unfolded and trimmed; undefined without one, or without a `Date:`. */
export function resendIdentityOf(header: string): string | undefined {
  // RFC 5322 §2.2.3: a field continues on the lines that start with white space.
  const unfolded = header.replace(/\r?\n(?=[ \t])/g, '');
  const value = /^message-id[ \t]*:(.*)$/im.exec(unfolded)?.[1]?.trim();
  const dated = /^date[ \t]*:[ \t]*\S/im.test(unfolded);
  return value && dated ? value : undefined;
}

/** The offset just past the header's last line (before the empty line that ends it), if the empty line is here. */
function headerEnd(bytes: Buffer): number | undefined {
  const bare = bytes.indexOf('\n\n');
  const crlf = bytes.indexOf('\n\r\n');
  const found = [bare, crlf].filter((index) => index >= 0);
  return found.length === 0 ? undefined : Math.min(...found) + 1;
}

/** The gatherer the SMTP intake hands the spool with a mail: its key needs the envelope too. */
export function mailResendKey(envelope: Pick<Envelope, 'from' | 'recipients'>): ResendKeyGatherer {
  const reader = new ResendKeyReader();
  return { update: (chunk) => reader.update(chunk), key: () => reader.key(envelope) };
}

/** A stored mail's key, the same its gatherer gave; records of other kinds have none. */
export function resendKeyOfMail(record: SpoolRecord): string | undefined {
  const { from, recipients } = record.header;
  if (record.kind !== 'mail' || typeof from !== 'string' || !Array.isArray(recipients)) return undefined;
  const gatherer = mailResendKey({ from, recipients: recipients as string[] });
  gatherer.update(record.body);
  return gatherer.key();
}
