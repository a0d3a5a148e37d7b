// The user's rules as the configuration writes them (`rules:`); the config schema takes this part from here.
import { z } from 'zod';
import { alarmStates, categories } from '../../core/event.js';

/** A user rule: tried before the built-in profiles, first match wins. */
export const ruleSchema = z
  .object({
    /** Regular expression (case-insensitive) tried on each line of the mail; named groups zone, sensor, user are taken over. */
    match: z.string().min(1).refine(isValidRegex, 'a valid regular expression'),
    type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case event type, e.g. "garage_open"'),
    category: z.enum(categories),
    /** The panel state after such an event; null leaves it unchanged. */
    alarm_state: z.enum(alarmStates).nullable().default(null),
  })
  .strict();

export type RuleConfig = z.infer<typeof ruleSchema>;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}
