// The message template every text output (SMS, Telegram) fills from the event: one set of placeholders for all.
import type { AlarmEvent } from '../core/event.js';

const placeholders = ['text', 'type', 'category', 'zone', 'sensor', 'user', 'time'] as const;

/** `{text}`, `{zone}` … from the event; an empty value for what the event does not have. */
export function renderTemplate(template: string, event: AlarmEvent): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(placeholders as readonly string[]).includes(name)) return whole;
    const value = event[name as (typeof placeholders)[number]];
    return value === null ? '' : String(value);
  });
}
