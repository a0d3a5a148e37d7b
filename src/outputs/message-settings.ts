// The settings every messaging output (SMS, Telegram) has in the same form, so both sections read and check alike.
import { z } from 'zod';

/** How long temporary failures (network, 429, 5xx) are retried before giving up, in minutes: at most a week. */
export const retryMinutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60)
  .default(60);

/** The service's base URL (a regional gateway, a proxy, a local server); empty for the service's own. */
export const apiUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, 'empty or an http(s) URL')
  .or(z.literal(''))
  .default('');
