// Places a voice call through Twilio's Calls API (`POST /2010-04-01/Accounts/{Sid}/Calls.json` with To, From and the
// TwiML inline), with the same client, time bound and two kinds of failure as the SMS provider.
import type twilio from 'twilio';
import { classifyFailure } from '../providers/twilio.js';
import { type TwilioAccount, twilioClient } from '../providers/twilio-client.js';

export interface CallerSettings extends TwilioAccount {
  /** The Twilio number that calls. */
  from: string;
}

export class TwilioCaller {
  readonly #client: twilio.Twilio;
  readonly #settings: CallerSettings;

  constructor(settings: CallerSettings) {
    this.#settings = settings;
    this.#client = twilioClient(settings);
  }

  /** Resolves with the call's SID once Twilio queued it; throws ProviderRejected or ProviderUnreachable. */
  async call(to: string, twiml: string): Promise<string> {
    try {
      const created = await this.#client.calls.create({ to, from: this.#settings.from, twiml });
      return created.sid;
    } catch (error) {
      throw classifyFailure(error, this.#settings.timeoutMs, 'call');
    }
  }
}
