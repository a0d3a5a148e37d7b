// The rules in the order they are tried: the user's first, then the XT1's exact lines, then keywords.
import type { RuleConfig } from '../../config/schema.js';
import { fallbackTypes } from '../../core/event.js';
import { compileUserRules, type Rule } from '../rules.js';
import { genericRules } from './generic.js';
import { xt1Rules } from './xt1.js';

export function buildRules(userRules: readonly RuleConfig[]): Rule[] {
  return [...compileUserRules(userRules), ...xt1Rules, ...genericRules];
}

/** Every type an event can have with these rules: what Home Assistant's event entity must know. */
export function eventTypesOf(rules: readonly Rule[]): string[] {
  return [...new Set([...rules.map((rule) => rule.type), ...Object.values(fallbackTypes)])];
}
