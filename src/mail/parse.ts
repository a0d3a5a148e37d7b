// Raw MIME → Mail, with mailparser (charsets, quoted-printable, base64, HTML-only bodies).
import { type ParsedMail, simpleParser } from 'mailparser';
import type { Envelope } from '../core/envelope.js';
import type { Mail } from './mail.js';
import { MailUnparsable } from './unparsable.js';

/**
 * Against hostile mails (mailparser #203): no HTML-to-text conversion of huge HTML. Its own limits stay on:
 * 1 MB of header per part, 1,000 parts (#202).
 */
const maxHtmlLengthToParse = 1024 * 1024;
const parserOptions = {
  skipTextToHtml: true,
  skipImageLinks: true,
  keepCidLinks: true,
  maxHtmlLengthToParse,
  checksumAlgo: false as const,
};

/**
 * More text than any sender's event needs (classification reads 20 lines of 500 characters). Cut here, in the parser's
 * thread, the main thread receives only this much: an event's `text` is a slice of the mail's text and would keep a
 * body of megabytes alive for as long as the event is held (queues during an outage, the last event).
 */
const maxTextLength = 64 * 1024;
const maxSubjectLength = 4 * 1024;

/** In this thread; the bridge runs it in a worker thread with a time budget (isolated-parser.ts). */
export async function parseMail(raw: Buffer, envelope: Envelope): Promise<Mail> {
  let parsed: ParsedMail;
  let text: string;
  try {
    parsed = await parseUndeclaredLatin1(raw, await simpleParser(raw, parserOptions));
    text = await textOrHtmlText(parsed);
  } catch (error) {
    throw new MailUnparsable(`mailparser failed: ${(error as Error).message}`, { cause: error });
  }
  return {
    envelope,
    headerFrom: parsed.from?.value[0]?.address ?? '',
    subject: (parsed.subject ?? '').slice(0, maxSubjectLength),
    mailer: headerText(parsed.headers.get('x-mailer')),
    text: text.slice(0, maxTextLength),
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size,
      content: attachment.content,
    })),
  };
}

/**
 * mailparser turns HTML into text only where the HTML is the whole mail or sits beside a text/plain
 * part; an HTML part inside multipart/mixed or multipart/related with no text/plain (a camera's
 * mail with its snapshot, an HTML panel mail with a logo) leaves `text` empty, and no option changes
 * that. Then the HTML parts (joined, as `html`) are parsed again as a mail of their own, where they are
 * the whole mail: mailparser's own conversion, with its guards against long or deeply nested HTML
 * (past them the text stays empty, as for an HTML-only mail). HTML over the length limit is not even
 * handed over.
 */
async function textOrHtmlText(parsed: ParsedMail): Promise<string> {
  const text = parsed.text ?? '';
  if (text.trim() || typeof parsed.html !== 'string' || parsed.html.length > maxHtmlLengthToParse) return text;
  const htmlOnly = Buffer.concat([
    Buffer.from('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
    Buffer.from(Buffer.from(parsed.html, 'utf8').toString('base64')),
  ]);
  return (await simpleParser(htmlOnly, parserOptions)).text ?? '';
}

/**
 * Old panels send 8-bit ISO-8859-1 text ("Tür") without declaring a charset; read as UTF-8, each
 * umlaut becomes U+FFFD. For a single-part text mail without a charset, parse it again declared as
 * Windows-1252 (a superset of ISO-8859-1's printable characters), so mailparser still undoes
 * quoted-printable or base64 first.
 */
async function parseUndeclaredLatin1(raw: Buffer, parsed: ParsedMail): Promise<ParsedMail> {
  const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> } | undefined;
  const mediaType = contentType?.value ?? 'text/plain';
  if (!parsed.text?.includes('\uFFFD') || contentType?.params.charset || !mediaType.startsWith('text/')) return parsed;
  const headerEnd = findHeaderEnd(raw);
  if (headerEnd === -1) return parsed;
  const header = raw.subarray(0, headerEnd).toString('latin1');
  const withoutContentType = header.replace(/^content-type:.*(?:\r?\n[ \t].*)*(?:\r?\n|$)/gim, '');
  const declared = `${withoutContentType.replace(/\r?\n?$/, '')}\r\nContent-Type: ${mediaType}; charset=windows-1252`;
  return simpleParser(Buffer.concat([Buffer.from(declared, 'latin1'), raw.subarray(headerEnd)]), parserOptions);
}

/** A header mailparser left as text; anything else (absent, or parsed into a structure) is empty. */
function headerText(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, 200) : '';
}

/** Offset of the line break that ends the header, for CRLF or bare LF mails; -1 without a body. */
function findHeaderEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf === -1) return lf;
  if (lf === -1) return crlf;
  return Math.min(crlf, lf);
}
