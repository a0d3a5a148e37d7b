// Picks the provider adapters for the configuration, the primary and the fallback; an SDK is loaded only when its
// provider is configured.

import type { Logger } from '../../../log.js';
import { type ProviderName, providerSettings, type SmsConfig } from '../config.js';
import { DryRunProvider } from './dry-run.js';
import { providerTimeoutMs, type SmsProvider } from './provider.js';

export interface SmsProviders {
  primary: SmsProvider;
  /** Takes what the primary cannot deliver for a reason that is not the number's (`sms.fallback_provider`). */
  fallback?: SmsProvider;
}

export async function loadProviders(sms: SmsConfig, log: Logger): Promise<SmsProviders> {
  const primary = sms.provider === 'none' ? new DryRunProvider(log) : await loadProvider(sms, sms.provider);
  return sms.fallback_provider ? { primary, fallback: await loadProvider(sms, sms.fallback_provider) } : { primary };
}

async function loadProvider(sms: SmsConfig, name: ProviderName): Promise<SmsProvider> {
  const { sender, apiUrl } = providerSettings(sms, name);
  switch (name) {
    case 'cm': {
      const { CmProvider } = await import('./cm.js');
      return new CmProvider({ productToken: sms.cm.product_token, sender, apiUrl, timeoutMs: providerTimeoutMs });
    }
    case 'twilio': {
      const { TwilioProvider } = await import('./twilio.js');
      return new TwilioProvider({
        accountSid: sms.twilio.account_sid,
        authToken: sms.twilio.auth_token,
        sender,
        messagingServiceSid: sms.twilio.messaging_service_sid,
        apiUrl,
        timeoutMs: providerTimeoutMs,
      });
    }
  }
}
