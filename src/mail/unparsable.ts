// Its own module so that the main thread can recognise the error without loading mailparser.

/** The message could not be parsed; the raw bytes are kept by the caller. */
export class MailUnparsable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailUnparsable';
  }
}
