// What the SMS output's health looks like in Home Assistant. The last result exists in dry-run too, where it shows
// `dry_run`: a user sees what would have been sent. A delivery problem needs a provider to have one.
import type { HealthDescription } from '../module.js';

export function smsHealth(withProvider: boolean): HealthDescription {
  const last = { name: 'Last SMS result', icon: 'mdi:message-text', options: ['sent', 'dry_run', 'failed', 'suppressed'] };
  return withProvider ? { problem: { name: 'SMS delivery problem' }, last } : { last };
}
