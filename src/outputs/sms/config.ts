// The `sms` section of the configuration: provider (and a fallback provider), numbers, text and limits.
import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { categories } from '../../core/event.js';
import { maskNumber } from '../../core/mask.js';
import { toE164 } from '../../core/phone.js';
import { apiUrl, retryMinutes } from '../message-settings.js';
import { messageTemplate } from '../template.js';

export const providerNames = ['cm', 'twilio'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * A provider that stays unreachable this long hands the SMS to the fallback. Shorter would fail over on a single
 * request that timed out (15 s), which the primary may well have taken.
 */
const shortestFailoverMs = 30_000;

export const smsSection = z
  .object({
    /** none: dry-run, logs what would be sent. */
    provider: z.enum(['none', ...providerNames]).default('none'),
    /** Takes an SMS the provider refused for a reason that is not the number's, or could not deliver for `failover_after`. */
    fallback_provider: z.enum(['', ...providerNames]).default(''),
    /** Milliseconds once parsed; written as "2m", "90s". */
    failover_after: durationSchema(shortestFailoverMs).prefault('2m'),
    /** Default numbers in any common notation; normalized to E.164 at start. */
    recipients: z.array(z.string().min(1)).default([]),
    default_region: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "DE"')
      .default('DE'),
    send_on: z.array(z.enum(categories)).default(['alarm', 'trouble']),
    /** CM: sender ID (at most 11 letters or a number); Twilio: the From number. The default of `cm.sender` and `twilio.sender`. */
    sender: z.string().default(''),
    template: messageTemplate,
    max_per_hour: z.number().int().min(1).max(1000).default(10),
    max_parts: z.number().int().min(1).max(8).default(3),
    /** How long temporary failures (network, 429, 5xx) are retried before giving up. */
    retry_minutes: retryMinutes,
    /** The default of `cm.api_url` and `twilio.api_url`. */
    api_url: apiUrl,
    cm: z
      .object({ product_token: z.string().default(''), sender: z.string().default(''), api_url: apiUrl })
      .strict()
      .prefault({}),
    twilio: z
      .object({
        account_sid: z.string().default(''),
        auth_token: z.string().default(''),
        messaging_service_sid: z.string().default(''),
        sender: z.string().default(''),
        api_url: apiUrl,
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((value, context) => {
    value.recipients.forEach((number, index) => {
      if (!toE164(number, value.default_region)) {
        // The error is logged: the path finds the entry, so a number long enough to be someone's keeps its last four digits only.
        const shown = number.replace(/\D/g, '').length >= 7 ? maskNumber(number) : number;
        context.addIssue({
          code: 'custom',
          path: ['recipients', index],
          message: `"${shown}" is not a valid phone number (region ${value.default_region})`,
        });
      }
    });
    const missing = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    const fallback = value.fallback_provider;
    if (fallback) {
      if (value.provider === 'none') missing(['fallback_provider'], 'needs a provider (cm or twilio) to fall back from');
      else if (fallback === value.provider) missing(['fallback_provider'], 'must be the other provider than provider');
      if (value.failover_after >= value.retry_minutes * 60_000)
        missing(['failover_after'], `must be shorter than retry_minutes (${value.retry_minutes} min): the fallback needs time to deliver`);
    }
    for (const [name, role] of [
      [value.provider, 'provider'],
      [fallback, 'fallback_provider'],
    ] as const) {
      if (name === 'cm') {
        if (!value.cm.product_token) missing(['cm', 'product_token'], `required for ${role} cm`);
        if (!value.cm.sender && !value.sender) missing(['sender'], `required for ${role} cm (sender ID or number)`);
      }
      if (name === 'twilio') {
        if (!value.twilio.account_sid) missing(['twilio', 'account_sid'], `required for ${role} twilio`);
        if (!value.twilio.auth_token) missing(['twilio', 'auth_token'], `required for ${role} twilio`);
        if (!value.twilio.sender && !value.sender && !value.twilio.messaging_service_sid)
          missing(['sender'], `required for ${role} twilio unless twilio.sender or twilio.messaging_service_sid is set`);
      }
    }
  })
  .transform((value) => ({ ...value, recipients: value.recipients.map((number) => toE164(number, value.default_region) ?? number) }));

export type SmsConfig = z.infer<typeof smsSection>;

/** A provider's own sender and endpoint, or the section's shared ones. */
export function providerSettings(sms: SmsConfig, name: ProviderName): { sender: string; apiUrl: string } {
  return { sender: sms[name].sender || sms.sender, apiUrl: sms[name].api_url || sms.api_url };
}

/** The providers configured, as primary or fallback: only these have an SDK loaded. */
export function configuredProviders(sms: SmsConfig): ProviderName[] {
  return [sms.provider, sms.fallback_provider].filter((name): name is ProviderName => name === 'cm' || name === 'twilio');
}

/** The add-on's options form allows two levels, so the provider keys are flat there (`cm_product_token`). */
const flatKeys: Record<string, [string, string]> = {
  cm_product_token: ['cm', 'product_token'],
  cm_sender: ['cm', 'sender'],
  cm_api_url: ['cm', 'api_url'],
  twilio_account_sid: ['twilio', 'account_sid'],
  twilio_auth_token: ['twilio', 'auth_token'],
  twilio_messaging_service_sid: ['twilio', 'messaging_service_sid'],
  twilio_sender: ['twilio', 'sender'],
  twilio_api_url: ['twilio', 'api_url'],
};

/** `{ cm_product_token: 'x' }` → `{ cm: { product_token: 'x' } }`; other keys stay as they are. */
export function smsFromAddonOptions(options: Record<string, unknown>): Record<string, unknown> {
  const nested: Record<string, Record<string, unknown>> = {};
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const path = flatKeys[key];
    if (path) nested[path[0]] = { ...nested[path[0]], [path[1]]: value };
    else flat[key] = value;
  }
  return { ...flat, ...nested };
}
