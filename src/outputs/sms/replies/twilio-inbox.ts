// Reads the SMS sent to the account's number from Twilio's message log (`GET /2010-04-01/Accounts/{Sid}/Messages.json`
// with `To` and `DateSent>=<GMT day>`, newest first, paged by the SDK), so replies are heard without a webhook open to
// the internet. Bounded: at most `maxListed` messages per look, each request within its time bound.
import type twilio from 'twilio';
import { classifyFailure } from '../providers/twilio.js';
import { type TwilioAccount, twilioClient } from '../providers/twilio-client.js';

/** Messages read per look, newest first: far more than replies to one incident. */
export const maxListed = 200;

export interface InboundMessage {
  sid: string;
  /** E.164, in full: masked before it leaves the SMS output. */
  from: string;
  body: string;
  /** When Twilio received it. */
  sentAt: Date;
}

export class TwilioInbox {
  readonly #client: twilio.Twilio;
  readonly #timeoutMs: number;

  constructor(account: TwilioAccount) {
    this.#client = twilioClient(account);
    this.#timeoutMs = account.timeoutMs;
  }

  /**
   * Messages received at `to` on or after the GMT day `sinceDay` (`YYYY-MM-DD`), newest first. Twilio filters by whole
   * days only; the caller compares the times.
   */
  async inbound(to: string, sinceDay: string): Promise<InboundMessage[]> {
    let listed: Awaited<ReturnType<twilio.Twilio['messages']['list']>>;
    try {
      // The SDK writes a Date as a date and time; the documented filter is the day, which it passes on as written.
      listed = await this.#client.messages.list({ to, dateSentAfter: sinceDay as unknown as Date, pageSize: 50, limit: maxListed });
    } catch (error) {
      throw classifyFailure(error, this.#timeoutMs, 'list of messages');
    }
    return listed
      .filter((message) => message.direction === 'inbound')
      .map((message) => ({
        sid: message.sid,
        from: message.from,
        body: message.body ?? '',
        sentAt: message.dateSent ?? message.dateCreated,
      }));
  }
}
