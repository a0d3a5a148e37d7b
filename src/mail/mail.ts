// The Mail value: what the rest of the bridge knows of a received message. Nothing about alarms.

/** What the SMTP session said about the message, kept with the raw bytes in the spool. */
export interface Envelope {
  /** MAIL FROM; empty for a bounce (`<>`). */
  from: string;
  /** RCPT TO addresses, in the order given. */
  recipients: string[];
  /** When the message arrived (ISO 8601, UTC). */
  receivedAt: string;
  remoteAddress: string;
}

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
  /** The plain text body, or the text of the HTML part when there is no plain one. */
  text: string;
  attachments: MailAttachment[];
}
