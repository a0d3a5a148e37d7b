// The envelope of a received mail: what the SMTP session said about it. Made by the intake, kept by the spool
// with the raw bytes, carried by the parsed Mail.

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
