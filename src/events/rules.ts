// The rule: a pattern tried on a line of the mail, and what a match means. User rules come first.
import type { RuleConfig } from '../config/schema.js';
import type { AlarmState, Category } from '../core/event.js';

export interface Rule {
  /** Named groups `zone`, `sensor` and `user` are taken into the event. */
  pattern: RegExp;
  type: string;
  category: Category;
  /** The panel state after such an event; null leaves it unchanged. */
  alarmState: AlarmState | null;
  /** The profile the rule belongs to, reported as the event's `source`. */
  source: string;
}

export function compileUserRules(rules: readonly RuleConfig[]): Rule[] {
  return rules.map((rule) => ({
    pattern: new RegExp(rule.match, 'iu'),
    type: rule.type,
    category: rule.category,
    alarmState: rule.alarm_state,
    source: 'rules',
  }));
}
