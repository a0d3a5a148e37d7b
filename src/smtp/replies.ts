// The intake's refusals: an error smtp-server answers with its `responseCode`, told to the bus on the way.

/** An SMTP reply for the client; smtp-server sends `responseCode` and the message. */
export class MailRejected extends Error {
  readonly responseCode: number;
  constructor(responseCode: number, message: string) {
    super(message);
    this.name = 'MailRejected';
    this.responseCode = responseCode;
  }
}

/** Makes the refusal for the client (`reason` is what observers see: addresses masked) and tells the bus. */
export type Refuse = (code: number, reply: string, remote: string | undefined, reason?: string) => MailRejected;
