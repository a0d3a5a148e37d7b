// The profiles in the order they are tried: the user's rules first, then the XT1's exact lines, then key:value
// panels, then keywords in any text. A new kind of sender is one line here.
import type { RuleConfig } from './rules/config.js';
import { keyValue } from './key-value/index.js';
import { keywords } from './keywords/index.js';
import type { Profile } from './profile.js';
import { userRules } from './rules/index.js';
import { xt1 } from './xt1/index.js';

export function buildProfiles(rules: readonly RuleConfig[]): Profile[] {
  return [
    userRules(rules),
    xt1,
    keyValue,
    keywords,
  ];
}
