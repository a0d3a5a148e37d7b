// Durations as the configuration writes them: `"90s"`, `"15m"`, `"25h"`, `"2d"`. Four units and whole numbers are
// all a supervision interval or an escalation delay needs; a package such as `ms` would also take `"100"` (ms) and
// `"1.5 hours"`, which in an alarm setting are more likely typos than intent.
import { z } from 'zod';

const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const pattern = /^(\d{1,6})\s*([smhd])$/u;

/** Milliseconds of `"90s"` and the like; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}

/** A duration setting, in milliseconds once parsed: at least `minMs`. */
export function durationSchema(minMs = 1_000) {
  return z.string().transform((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: 'a duration such as "90s", "15m", "25h" or "2d"' });
      return z.NEVER;
    }
    if (ms < minMs) {
      context.addIssue({ code: 'custom', message: `at least ${minMs / 1000} s` });
      return z.NEVER;
    }
    return ms;
  });
}

/** The shortest `silent_after` of a source: no panel or camera reports more often, so less is a typo (`"25s"` for `"25h"`). */
export const minSilentAfterMs = 60_000;

/** A duration setting that may be left empty (`""` or absent: off), in milliseconds once parsed: at least `minMs`. */
export function optionalDurationSchema(minMs = 1_000) {
  return z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), durationSchema(minMs).optional());
}
