// The rule: a pattern tried on a line, and the event it means. Profiles made of rules (the XT1's exact lines, the
// keyword tables, the user's rules) share the way they are tried.
import type { AlarmState, Category } from '../core/event.js';
import type { EventType, Match } from './profile.js';

export interface Rule {
  /** Named groups `zone`, `sensor` and `user` are taken into the event. */
  pattern: RegExp;
  type: string;
  category: Category;
  /** The panel state after such an event; null leaves it unchanged. */
  alarmState: AlarmState | null;
}

/** Each rule in order over all the lines: the rule decides, not the line's position. */
export function firstMatch(rules: readonly Rule[], lines: readonly string[]): Match | undefined {
  for (const rule of rules) {
    for (const line of lines) {
      const found = rule.pattern.exec(line);
      if (found) return { type: rule.type, category: rule.category, alarmState: rule.alarmState, line, details: { ...found.groups } };
    }
  }
  return undefined;
}

/** A rule for a type of the profile's table: the type's meaning is written once, in the table. */
export function ruleFor<T extends string>(types: Record<T, Omit<EventType, 'type'>>, type: T, pattern: RegExp): Rule {
  const { category, alarmState } = types[type];
  return { pattern, type, category, alarmState };
}

/** The table as the profile's event types, in the table's order. */
export function typesOf<T extends string>(types: Record<T, Omit<EventType, 'type'>>): EventType[] {
  return (Object.entries(types) as [T, Omit<EventType, 'type'>][]).map(([type, meaning]) => ({ type, ...meaning }));
}
