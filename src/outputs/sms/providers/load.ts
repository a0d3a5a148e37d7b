// Picks the provider adapter for the configuration; an SDK is loaded only when its provider is configured.

import type { Logger } from '../../../log.js';
import type { SmsConfig } from '../config.js';
import { DryRunProvider } from './dry-run.js';
import { providerTimeoutMs, type SmsProvider } from './provider.js';

export async function loadProvider(sms: SmsConfig, log: Logger): Promise<SmsProvider> {
  switch (sms.provider) {
    case 'cm': {
      const { CmProvider } = await import('./cm.js');
      return new CmProvider({ productToken: sms.cm.product_token, sender: sms.sender, apiUrl: sms.api_url, timeoutMs: providerTimeoutMs });
    }
    case 'twilio': {
      const { TwilioProvider } = await import('./twilio.js');
      return new TwilioProvider({
        accountSid: sms.twilio.account_sid,
        authToken: sms.twilio.auth_token,
        sender: sms.sender,
        messagingServiceSid: sms.twilio.messaging_service_sid,
        apiUrl: sms.api_url,
        timeoutMs: providerTimeoutMs,
      });
    }
    case 'none':
      return new DryRunProvider(log);
  }
}
