// The message template every text output (SMS, Telegram) fills from the event: one set of placeholders for all,
// and the default `{summary}`, which says in a few words what happened where (`Garage: motion 22:14`).
import { z } from 'zod';
import type { AlarmEvent } from '../core/event.js';

export const defaultTemplate = '{summary}';

/** The `template` key of each text output's section. */
export const messageTemplate = z.string().min(1).default(defaultTemplate);

const fields = ['text', 'type', 'category', 'zone', 'sensor', 'user', 'time'] as const;

export interface RenderOptions {
  /** The zone of the clock time in `{summary}`; the bridge's own (`TZ`) when not given. The outputs leave it out; tests give one to be deterministic on any machine. */
  timeZone?: string | undefined;
}

/** `{text}`, `{zone}` … from the event, `{summary}` made from it; an empty value for what the event does not have. */
export function renderTemplate(template: string, event: AlarmEvent, options: RenderOptions = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (name === 'summary') return summaryOf(event, options.timeZone);
    if (!(fields as readonly string[]).includes(name)) return whole;
    const value = event[name as (typeof fields)[number]];
    return value === null ? '' : String(value);
  });
}

/**
 * A camera event: its camera, the event in words, the local time of arrival (`Garage: motion 22:14`). Any other
 * event: its line, with zone and sensor before it where the line does not name them (`Zone 4 Keller: Einbruch`).
 */
export function summaryOf(event: AlarmEvent, timeZone?: string): string {
  if (event.device !== undefined)
    return [`${event.sensor ?? event.device}:`, eventInWords(event), clockTime(event.time, timeZone)].filter(Boolean).join(' ');
  const line = event.text.trim();
  const where: string[] = [];
  if (event.zone !== null && !new RegExp(String.raw`(?<!\d)${event.zone}(?!\d)`, 'u').test(line)) where.push(`Zone ${event.zone}`);
  if (event.sensor && !line.toLowerCase().includes(event.sensor.toLowerCase())) where.push(event.sensor);
  if (where.length === 0) return line;
  return line ? `${where.join(' ')}: ${line}` : where.join(' ');
}

/** Camera types whose name is not already the word: the rest read with spaces (`line_crossing` → line crossing). */
const typeWords: Record<string, string> = { intrusion_area: 'intrusion', unknown: 'camera event' };

function eventInWords(event: AlarmEvent): string {
  const words = typeWords[event.type] ?? event.type.replace(/_/g, ' ');
  return event.phase === 'stop' ? `${words} ended` : words;
}

/** `22:14`, in the given zone; empty for a time that cannot be read. */
function clockTime(iso: string, timeZone: string | undefined): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '';
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).format(time);
}
