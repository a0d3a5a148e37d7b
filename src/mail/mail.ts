// The Mail value: what the rest of the bridge knows of a received message. Nothing about alarms.
import type { Envelope } from '../core/envelope.js';

export interface MailAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface Mail {
  envelope: Envelope;
  /** The `From:` header's address, empty when absent. */
  headerFrom: string;
  subject: string;
  /** The `X-Mailer:` header, empty when absent: some senders name themselves only there (Hikvision's `HIKMailer`). */
  mailer?: string;
  /** The plain text body, or the text of the HTML part when there is no plain one. */
  text: string;
  attachments: MailAttachment[];
}
