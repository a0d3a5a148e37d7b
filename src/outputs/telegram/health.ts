// What the Telegram output's health looks like in Home Assistant: a delivery problem and the last result, only
// when a bot token is set (without one Telegram is off and shows nothing).
import type { HealthDescription } from '../module.js';

export function telegramHealth(configured: boolean): HealthDescription | undefined {
  if (!configured) return undefined;
  return {
    problem: { name: 'Telegram delivery problem' },
    last: { name: 'Last Telegram result', icon: 'mdi:send', options: ['sent', 'failed', 'suppressed'] },
  };
}
