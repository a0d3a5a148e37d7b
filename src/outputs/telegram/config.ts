// The `telegram:` section of the configuration: its schema gives the type, the defaults and the checks.
import { z } from 'zod';
import { apiUrl, retryMinutes } from '../message-settings.js';
import { messageTemplate } from '../template.js';
import { chatIdPattern, telegramTriggers } from './routing.js';

/** A numeric chat id (`123456789`, a group's `-1001234567890`) or a public channel's `@name`. */
const chatId = z
  .union([z.string(), z.number().int()])
  .transform((value) => String(value).trim())
  .pipe(z.string().regex(chatIdPattern, 'a numeric chat id such as 123456789 or -1001234567890, or @channelname'));

export const telegramSchema = z
  .object({
    /** From @BotFather; empty: Telegram is off, nothing is loaded or contacted. A secret. */
    bot_token: z
      .string()
      .regex(/^(\d+:[A-Za-z0-9_-]+)?$/, 'the token @BotFather gave, e.g. 123456789:AA…')
      .default(''),
    chat_ids: z.array(chatId).default([]),
    /** Event categories, and `camera` for every camera event. */
    send_on: z.array(z.enum(telegramTriggers)).default(['alarm', 'trouble', 'camera']),
    template: messageTemplate,
    /** Camera snapshots as photos (an album for several); off: the text only. */
    photos: z.boolean().default(true),
    max_per_hour: z.number().int().min(1).max(1000).default(30),
    /** How long temporary failures (network, 429, 5xx) are retried before giving up. */
    retry_minutes: retryMinutes,
    /** A local Bot API server or a proxy; empty for https://api.telegram.org. */
    api_url: apiUrl,
  })
  .strict()
  .superRefine((value, context) => {
    if (value.bot_token && value.chat_ids.length === 0)
      context.addIssue({ code: 'custom', path: ['chat_ids'], message: 'at least one chat id when bot_token is set' });
  });

export type TelegramConfig = z.infer<typeof telegramSchema>;

export const defaultApiUrl = 'https://api.telegram.org';
