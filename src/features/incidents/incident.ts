// An alarm incident as data: the alarms it gathered, the escalation levels it raised, and how it was acknowledged;
// how it is kept in the feature's store, told on the bus (`incident`) and shown in Home Assistant. Pure: the
// feature (feature.ts) decides when it changes.
import { z } from 'zod';
import type { IncidentFacts } from '../../core/bus.js';
import type { EntityState } from '../../core/entities.js';
import type { AlarmEvent } from '../../core/event.js';

/** Alarms kept per incident (the first and the newest): a panel that keeps alarming must not grow the store without end. */
export const maxAlarms = 100;
/** An alarm's text as kept and shown: the panel's line, clipped. */
const maxTextLength = 200;
/** Alarms whose texts the sensor's attributes list, newest first. */
const shownTexts = 10;

/** How an incident was acknowledged. */
export const ackWays = ['button', 'status_page', 'disarm', 'reply'] as const;
export type AckWay = (typeof ackWays)[number];

const alarmSchema = z.object({
  id: z.string(),
  /** The event's time (ISO 8601): when the mail arrived. */
  time: z.string(),
  type: z.string(),
  /** The panel's line, masked and clipped. */
  text: z.string(),
  zone: z.number().nullable(),
  sensor: z.string().nullable(),
  /** When the feature saw it, by its clock (ms). */
  seenAt: z.number(),
});

const escalationSchema = z.object({
  level: z.number().int().min(1),
  eventId: z.string(),
  /** By the feature's clock (ms). */
  raisedAt: z.number(),
});

const acknowledgementSchema = z.object({
  how: z.enum(ackWays),
  /** Who, as far as known: `Home Assistant`, `status page`, `panel, Benutzer 1`, `sms *********4567`. */
  by: z.string(),
  /** ISO 8601. */
  at: z.string(),
});

export const incidentSchema = z.object({
  /** The id of its first alarm event. */
  id: z.string(),
  state: z.enum(['open', 'acknowledged']),
  /** When its first alarm arrived (ms), by the feature's clock at the latest: the escalation's delays count from here. */
  openedAt: z.number(),
  /** Oldest first; the first always stays, then the newest up to maxAlarms. */
  alarms: z.array(alarmSchema).min(1),
  /** All alarms it gathered, also those no longer kept. */
  alarmCount: z.number().int().min(1),
  /** The levels raised, in order; each at most once. */
  escalations: z.array(escalationSchema),
  /** The ids of the alarms kept and of the escalations, in the order they came. */
  eventIds: z.array(z.string()),
  acknowledged: acknowledgementSchema.optional(),
});

export type Incident = z.infer<typeof incidentSchema>;
export type Alarm = z.infer<typeof alarmSchema>;
export type Acknowledgement = z.infer<typeof acknowledgementSchema>;

/** What one alarm event contributes, its texts masked (`mask`) and clipped. */
export function alarmOf(event: AlarmEvent, seenAt: number, mask: (text: string) => string): Alarm {
  const clip = (text: string) => mask(text.length > maxTextLength ? `${text.slice(0, maxTextLength)}…` : text);
  return {
    id: event.id,
    time: event.time,
    type: event.type,
    text: clip(event.text.trim()),
    zone: event.zone,
    sensor: event.sensor === null ? null : clip(event.sensor),
    seenAt,
  };
}

/**
 * Opened when its first alarm arrived: a mail processed only after a restart (the bridge stopped between taking it
 * and reading it) has been waiting for an answer since then, and its levels count from then.
 */
export function openIncident(alarm: Alarm): Incident {
  const arrived = Date.parse(alarm.time);
  const openedAt = Number.isNaN(arrived) ? alarm.seenAt : Math.min(arrived, alarm.seenAt);
  return { id: alarm.id, state: 'open', openedAt, alarms: [alarm], alarmCount: 1, escalations: [], eventIds: [alarm.id] };
}

/** Adds a further alarm; past maxAlarms the oldest but the first is dropped. */
export function joinIncident(incident: Incident, alarm: Alarm): void {
  incident.alarms.push(alarm);
  incident.eventIds.push(alarm.id);
  incident.alarmCount += 1;
  if (incident.alarms.length <= maxAlarms) return;
  const [dropped] = incident.alarms.splice(1, 1);
  incident.eventIds = incident.eventIds.filter((id) => id !== dropped?.id);
}

/** Records a level raised. */
export function addEscalation(incident: Incident, level: number, eventId: string, raisedAt: number): void {
  incident.escalations.push({ level, eventId, raisedAt });
  incident.eventIds.push(eventId);
}

export function hasAlarm(incident: Incident, eventId: string): boolean {
  return incident.alarms.some((alarm) => alarm.id === eventId);
}

/** The highest level raised; 0 before any. */
export function levelReached(incident: Incident): number {
  return Math.max(0, ...incident.escalations.map((escalation) => escalation.level));
}

/** The incident as the bus tells it. */
export function factsOf(incident: Incident): IncidentFacts {
  return {
    id: incident.id,
    state: incident.state,
    openedAt: new Date(incident.openedAt).toISOString(),
    eventIds: [...incident.eventIds],
    level: levelReached(incident),
    ...(incident.acknowledged ? { acknowledged: { ...incident.acknowledged } } : {}),
  };
}

/** The "Alarm incident" sensor: `none` before the first incident, else the last incident's state, with its facts. */
export function sensorStateOf(incident: Incident | null): EntityState {
  if (!incident) return { state: 'none', attributes: {} };
  const newest = incident.alarms.slice(-shownTexts).reverse();
  return {
    state: incident.state,
    attributes: {
      incident: incident.id,
      opened_at: new Date(incident.openedAt).toISOString(),
      alarms: incident.alarmCount,
      last_alarm: whereAndWhat(incident.alarms.at(-1) ?? incident.alarms[0]!),
      texts: newest.map((alarm) => `${alarm.time} ${whereAndWhat(alarm)}`).join(' | '),
      events: incident.eventIds.join(', '),
      level: levelReached(incident),
      acknowledged_how: incident.acknowledged?.how ?? null,
      acknowledged_by: incident.acknowledged?.by ?? null,
      acknowledged_at: incident.acknowledged?.at ?? null,
    },
  };
}

/** The panel's line with zone and sensor before it where the line does not name them: `Zone 4 Keller: Einbruch`. */
export function whereAndWhat(alarm: Pick<Alarm, 'text' | 'zone' | 'sensor' | 'type'>): string {
  const line = alarm.text || alarm.type.replace(/_/g, ' ');
  const where: string[] = [];
  if (alarm.zone !== null && !new RegExp(String.raw`(?<!\d)${alarm.zone}(?!\d)`, 'u').test(line)) where.push(`Zone ${alarm.zone}`);
  if (alarm.sensor && !line.toLowerCase().includes(alarm.sensor.toLowerCase())) where.push(alarm.sensor);
  return where.length === 0 ? line : `${where.join(' ')}: ${line}`;
}
