// The `sms` section of the configuration: provider, numbers, text and limits.
import { z } from 'zod';
import { categories } from '../../core/event.js';
import { maskNumber } from '../../core/mask.js';
import { toE164 } from '../../core/phone.js';
import { apiUrl, retryMinutes } from '../message-settings.js';
import { messageTemplate } from '../template.js';

export const smsSection = z
  .object({
    /** none: dry-run, logs what would be sent. */
    provider: z.enum(['none', 'cm', 'twilio']).default('none'),
    /** Default numbers in any common notation; normalized to E.164 at start. */
    recipients: z.array(z.string().min(1)).default([]),
    default_region: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "DE"')
      .default('DE'),
    send_on: z.array(z.enum(categories)).default(['alarm', 'trouble']),
    /** CM: sender ID (at most 11 letters or a number); Twilio: the From number. */
    sender: z.string().default(''),
    template: messageTemplate,
    max_per_hour: z.number().int().min(1).max(1000).default(10),
    max_parts: z.number().int().min(1).max(8).default(3),
    /** How long temporary failures (network, 429, 5xx) are retried before giving up. */
    retry_minutes: retryMinutes,
    api_url: apiUrl,
    cm: z
      .object({ product_token: z.string().default('') })
      .strict()
      .prefault({}),
    twilio: z
      .object({ account_sid: z.string().default(''), auth_token: z.string().default(''), messaging_service_sid: z.string().default('') })
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
    const missing = (path: string[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (value.provider === 'cm') {
      if (!value.cm.product_token) missing(['cm', 'product_token'], 'required for provider cm');
      if (!value.sender) missing(['sender'], 'required for provider cm (sender ID or number)');
    }
    if (value.provider === 'twilio') {
      if (!value.twilio.account_sid) missing(['twilio', 'account_sid'], 'required for provider twilio');
      if (!value.twilio.auth_token) missing(['twilio', 'auth_token'], 'required for provider twilio');
      if (!value.sender && !value.twilio.messaging_service_sid)
        missing(['sender'], 'required for provider twilio unless twilio.messaging_service_sid is set');
    }
  })
  .transform((value) => ({ ...value, recipients: value.recipients.map((number) => toE164(number, value.default_region) ?? number) }));

export type SmsConfig = z.infer<typeof smsSection>;

/** The add-on's options form allows two levels, so the provider keys are flat there (`cm_product_token`). */
const flatKeys: Record<string, [string, string]> = {
  cm_product_token: ['cm', 'product_token'],
  twilio_account_sid: ['twilio', 'account_sid'],
  twilio_auth_token: ['twilio', 'auth_token'],
  twilio_messaging_service_sid: ['twilio', 'messaging_service_sid'],
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
