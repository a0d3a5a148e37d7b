// The `incidents` section: which replies acknowledge an alarm, the language of the escalation texts, and the
// escalation levels (who is told, and when, while an alarm stays unacknowledged).
import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { maskNumber } from '../../core/mask.js';
import { toE164 } from '../../core/phone.js';

/** `OK` acknowledges whatever `ack_words` says. */
export const alwaysAckWord = 'ok';

/** The raised event's own bound (pipeline/kinds/raised.ts): a level names a few people. */
const maxTargets = 20;
/** The add-on's form offers two; a file may name more, but no escalation needs more than this. */
export const maxLevels = 10;

/**
 * A numeric Telegram chat id (`123456789`, a group's `-1001234567890`) or a public channel's `@name`, as the
 * `telegram` section takes them (features may not import an output, so the pattern is written here again).
 */
const chatId = z
  .union([z.string(), z.number().int()])
  .transform((value) => String(value).trim())
  .pipe(
    z
      .string()
      .regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/, 'a numeric chat id such as 123456789 or -1001234567890, or @channelname'),
  );

const level = z
  .object({
    /** How long after the incident opened this level is told, unless it was acknowledged before. */
    after: durationSchema(),
    /** Numbers in any common notation; E.164 once validated. */
    sms: z.array(z.string().min(1)).max(maxTargets).default([]),
    telegram: z.array(chatId).max(maxTargets).default([]),
    /** Numbers to call (the voice output places the calls). */
    call: z.array(z.string().min(1)).max(maxTargets).default([]),
  })
  .strict();

export const incidentsSection = z
  .object({
    /** Replies that acknowledge (compared trimmed and case-insensitively); `OK` always does. */
    ack_words: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(32)
          .transform((word) => word.toLowerCase()),
      )
      .max(20)
      .default([alwaysAckWord, 'quittiert']),
    /** The language of the escalation texts and calls. */
    language: z.enum(['de', 'en']).default('de'),
    /** For numbers of the levels written without a country code, as `sms.default_region` for the SMS recipients. */
    default_region: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter country code such as "DE"')
      .default('DE'),
    escalation: z.array(level).max(maxLevels).default([]),
    /**
     * An open incident nobody acknowledges ends this long after its last alarm or level: a later alarm then opens a new
     * one with its own escalation, instead of joining one from weeks ago whose levels have all been told.
     */
    close_after: durationSchema(10 * 60_000).default(12 * 3_600_000),
  })
  .strict()
  .superRefine((value, context) => {
    const last = value.escalation.at(-1);
    if (last && value.close_after <= last.after)
      context.addIssue({ code: 'custom', path: ['close_after'], message: "longer than the last escalation level's after" });
    value.escalation.forEach((entry, index) => {
      const previous = value.escalation[index - 1];
      if (previous && entry.after <= previous.after)
        context.addIssue({ code: 'custom', path: ['escalation', index, 'after'], message: 'later than the level before it' });
      if (entry.sms.length + entry.telegram.length + entry.call.length === 0)
        context.addIssue({ code: 'custom', path: ['escalation', index], message: 'at least one of sms, telegram, call' });
      for (const kind of ['sms', 'call'] as const) {
        entry[kind].forEach((number, position) => {
          if (toE164(number, value.default_region)) return;
          // The error is logged: the path finds the entry, so a number long enough to be someone's keeps its last four digits only.
          const shown = number.replace(/\D/g, '').length >= 7 ? maskNumber(number) : number;
          context.addIssue({
            code: 'custom',
            path: ['escalation', index, kind, position],
            message: `"${shown}" is not a valid phone number (region ${value.default_region})`,
          });
        });
      }
    });
  })
  .transform((value) => ({
    ...value,
    escalation: value.escalation.map((entry) => ({
      ...entry,
      sms: unique(entry.sms.map((number) => toE164(number, value.default_region) ?? number)),
      telegram: unique(entry.telegram),
      call: unique(entry.call.map((number) => toE164(number, value.default_region) ?? number)),
    })),
  }));

export type IncidentsSettings = z.output<typeof incidentsSection>;
export type EscalationLevel = IncidentsSettings['escalation'][number];

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The levels the add-on's options form offers, each as flat keys (`level1_after`, `level1_sms`, …). */
const addonLevels = [1, 2] as const;

/**
 * The options form allows two levels, so the escalation is flat there: `level1_after`, `level1_sms`,
 * `level1_telegram`, `level1_call`, the same for `level2_`. A level with nothing set is left out; one with numbers
 * but no `after` is kept, for the schema to name what it lacks.
 */
export function incidentsFromAddonOptions(options: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  const levels = new Map<number, Record<string, unknown>>();
  for (const [key, value] of Object.entries(options)) {
    const match = /^level(\d)_(after|sms|telegram|call)$/.exec(key);
    const number = Number(match?.[1]);
    if (!match?.[2] || !addonLevels.includes(number as (typeof addonLevels)[number])) {
      rest[key] = value;
      continue;
    }
    const isSet = Array.isArray(value) ? value.length > 0 : value !== undefined;
    if (!isSet) continue;
    levels.set(number, { ...levels.get(number), [match[2]]: value });
  }
  const escalation = [...levels].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  return escalation.length > 0 ? { ...rest, escalation } : rest;
}
