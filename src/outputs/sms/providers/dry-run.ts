// No provider configured: log what would be sent, so the set-up can be tried without an account.

import { maskNumber, maskNumbersIn } from '../../../core/mask.js';
import type { Logger } from '../../../log.js';
import type { SendResult, SmsMessage, SmsProvider } from './provider.js';

export class DryRunProvider implements SmsProvider {
  readonly name = 'none';
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  async send(message: SmsMessage): Promise<SendResult> {
    this.#log.info({ to: maskNumber(message.to), text: maskNumbersIn(message.text) }, 'SMS dry-run (sms.provider: none): not sent');
    return { messageId: null, dryRun: true };
  }
}
