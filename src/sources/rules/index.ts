// The user's rules from the configuration: tried before every built-in profile, so a user can name or override
// any line. Their types are the user's own; what a zone shows for one of them follows the built-in meaning of
// the same type name, if there is one.

import type { Profile } from '../profile.js';
import { firstMatch, type Rule } from '../rule.js';
import type { RuleConfig } from './config.js';

export function userRules(config: readonly RuleConfig[]): Profile {
  const rules: Rule[] = config.map((rule) => ({
    pattern: new RegExp(rule.match, 'iu'),
    type: rule.type,
    category: rule.category,
    alarmState: rule.alarm_state,
  }));
  return {
    name: 'rules',
    eventTypes: rules.map(({ type, category, alarmState }) => ({ type, category, alarmState })),
    match: (lines) => firstMatch(rules, lines),
  };
}
