// The profiles in the order they are tried: the user's rules first, then the XT1's exact lines, then key:value
// panels, then keywords in any text; then the cameras, whose mails are read whole before any of these
// (pipeline/to-event.ts): the vendors in the order they are asked whether they claim a mail, the generic camera last.
// A new kind of sender is one line here.
import { camera } from './camera/index.js';
import { dahua } from './dahua/index.js';
import { hikvision } from './hikvision/index.js';
import { keyValue } from './key-value/index.js';
import { keywords } from './keywords/index.js';
import type { Profile } from './profile.js';
import { reolink } from './reolink/index.js';
import type { RuleConfig } from './rules/config.js';
import { userRules } from './rules/index.js';
import { xt1 } from './xt1/index.js';

export function buildProfiles(rules: readonly RuleConfig[]): Profile[] {
  return [userRules(rules), xt1, keyValue, keywords, hikvision, dahua, reolink, camera];
}
