// The incidents feature: an alarm mail opens an incident (further alarms join it) until someone acknowledges it —
// the Home Assistant button or its MQTT command topic, the status page, a disarm from the panel or one from Home
// Assistant that the panel confirmed (panel control), or a reply "OK" to one of its messages. While it stays open,
// each escalation level is raised once when its delay has passed, as an event to that level's recipients. The incident and the levels it raised are kept in the feature's store, so a
// restart keeps its timers.
import { z } from 'zod';
import type { BusEvents } from '../../core/bus.js';
import { panelAlarmEntity } from '../../core/entities.js';
import type { AlarmEvent, EventTargets, RaisedEventDraft } from '../../core/event.js';
import { FeatureStopped } from '../host.js';
import type { Feature, FeatureContext, TimerHandle } from '../module.js';
import { alwaysAckWord, type EscalationLevel, type IncidentsSettings } from './config.js';
import { acknowledgeEntity, incidentEntity } from './entities.js';
import {
  type Acknowledgement,
  addEscalation,
  alarmOf,
  factsOf,
  hasAlarm,
  type Incident,
  incidentSchema,
  joinIncident,
  levelReached,
  openIncident,
  sensorStateOf,
} from './incident.js';
import { escalationText } from './summary.js';

/** The type of the events escalation levels raise. */
export const escalationType = 'alarm_escalation';
/** The last thing that happened in an incident: its last alarm, or its last level told (ms, the feature's clock). */
function lastActivity(incident: Incident): number {
  const alarm = incident.alarms.at(-1)?.seenAt ?? incident.openedAt;
  const level = incident.escalations.at(-1)?.raisedAt ?? incident.openedAt;
  return Math.max(incident.openedAt, alarm, level);
}

/** Why a press finds nothing to do. */
export const nothingToAcknowledge = 'no open incident';
/** A level that could not be raised (a full disk) is tried again this much later, while the incident is open. */
export const raiseRetryMs = 30_000;
/**
 * A level further away than this is waited for in steps: Node fires a timer longer than 2^31 - 1 ms (24.8 days) at
 * once, which would raise the level early and then loop.
 */
const longestTimerMs = 86_400_000;
/**
 * Alarms that join an open incident are kept (written to its file) together at most this often: a flood of alarm
 * mails would otherwise rewrite the file once per mail. They are told and shown at once; opening, a level and an
 * acknowledgement are also kept at once.
 */
const joinedKeepMs = 1_000;
/** Alarm ids of earlier incidents remembered, so that a mail replayed after a crash does not open a new incident. */
const rememberedAlarms = 200;

const savedSchema = z.object({ incident: incidentSchema.nullable(), earlier: z.array(z.string()) });
type Saved = z.infer<typeof savedSchema>;

// Log fields name the escalation's level `escalationLevel`: a field `level` would replace the log line's own.
export class Incidents implements Feature {
  readonly #settings: IncidentsSettings;
  readonly #context: FeatureContext;
  readonly #ackWords: ReadonlySet<string>;
  #incident: Incident | null = null;
  /** Alarm ids of earlier incidents, newest last. */
  #earlier: string[] = [];
  #timer: TimerHandle | undefined;
  /** Alarms joined since the incident was last kept. */
  #joinedTimer: TimerHandle | undefined;
  /** The escalation under way (raising a level); a stop waits for it, so the level it raised is kept. */
  #advancing: Promise<void> | undefined;
  #advanceAgain = false;

  constructor(settings: IncidentsSettings, context: FeatureContext) {
    this.#settings = settings;
    this.#context = context;
    this.#ackWords = new Set([alwaysAckWord, ...settings.ack_words]);
  }

  async start(): Promise<void> {
    const { bus, entities, log } = this.#context;
    await this.#restore();
    entities.declare(
      {
        id: incidentEntity,
        platform: 'sensor',
        name: 'Alarm incident',
        device: 'panel',
        device_class: 'enum',
        options: ['none', 'open', 'acknowledged'],
        icon: 'mdi:alarm-light',
      },
      sensorStateOf(this.#incident),
    );
    entities.declare({
      id: acknowledgeEntity,
      platform: 'button',
      name: 'Acknowledge alarm',
      device: 'panel',
      icon: 'mdi:bell-check',
      commands: ['PRESS'],
    });
    bus.on('event', (event) => this.#onEvent(event));
    bus.on('command', (command) => this.#onCommand(command));
    bus.on('commandResult', (result) => this.#onCommandResult(result));
    bus.on('reply', (reply) => this.#onReply(reply));
    const incident = this.#incident;
    if (!incident) return;
    // Whoever listens (a reply poller, the status page) learns of the incident kept from before.
    bus.emit('incident', factsOf(incident));
    if (incident.state === 'open') {
      log.info({ incident: incident.id, escalationLevel: levelReached(incident) }, 'alarm incident still open from before the restart');
      this.#advance();
    } else {
      // An acknowledgement just before a crash: escalation messages an outbox still holds are withdrawn again.
      this.#withdraw(
        incident,
        incident.escalations.map((escalation) => escalation.eventId),
      );
    }
  }

  async stop(): Promise<void> {
    await this.#advancing;
    // Alarms joined within the last second are kept now; the store is closed (its write awaited) after this stop.
    if (this.#joinedTimer && this.#incident) this.#keep(this.#incident);
  }

  async #restore(): Promise<void> {
    const { store, log } = this.#context;
    const saved = await store<unknown>('incident')
      .read()
      .catch((error: unknown) => {
        log.error({ err: error }, 'cannot read the kept alarm incident: an incident open before the restart is not escalated');
        return undefined;
      });
    if (saved === undefined) return;
    const parsed = savedSchema.safeParse(saved);
    if (!parsed.success) {
      log.error({ reason: z.prettifyError(parsed.error) }, 'the kept alarm incident is not readable: starting without one');
      return;
    }
    this.#incident = parsed.data.incident;
    this.#earlier = parsed.data.earlier.slice(-rememberedAlarms);
  }

  #onEvent(event: AlarmEvent): void {
    // Only the panel's mails and Contact ID reports: the escalation's own events, supervision's and the status page's
    // tests never open or end one.
    if (event.input !== 'smtp' && event.input !== 'contact_id') return;
    if (event.category === 'alarm') this.#onAlarm(event);
    else if (event.alarm_state === 'disarmed') this.#onDisarm(event);
  }

  #onAlarm(event: AlarmEvent): void {
    const { log, now, bridge } = this.#context;
    const current = this.#incident;
    // A mail processed again after a crash (the same id) is no new alarm.
    if (this.#earlier.includes(event.id) || (current && hasAlarm(current, event.id))) return;
    // The same alarm by the other input (a mail and its Contact ID report) joins an open incident, and never opens
    // another after the first was acknowledged.
    if (event.duplicate_of !== undefined && current?.state !== 'open') return;
    const alarm = alarmOf(event, now(), bridge.mask);
    if (current?.state === 'open' && this.#expired(current)) this.#close(current);
    if (current?.state === 'open' && current === this.#incident) {
      joinIncident(current, alarm);
      log.debug({ incident: current.id, mailId: event.id, alarms: current.alarmCount }, 'alarm joins the open incident');
      this.#tell(current);
      this.#joinedTimer ??= this.#context.timers.setTimeout(() => {
        this.#joinedTimer = undefined;
        if (current === this.#incident) this.#keep(current);
      }, joinedKeepMs);
      return;
    }
    if (current && current === this.#incident)
      this.#earlier = [...this.#earlier, ...current.alarms.map(({ id }) => id)].slice(-rememberedAlarms);
    const incident = openIncident(alarm);
    this.#incident = incident;
    log.info({ incident: incident.id, mailId: event.id, levels: this.#settings.escalation.length }, 'alarm incident opened');
    this.#changed(incident);
    this.#advance();
  }

  /**
   * A disarm mail (the panel's state `disarmed`, with the user when the panel names one). The state change itself
   * (`panelState`) comes just before this event and says less. A disarm older than the incident's first alarm (a
   * mail processed again after a crash) acknowledges nothing.
   */
  #onDisarm(event: AlarmEvent): void {
    const incident = this.#incident;
    if (incident?.state !== 'open' || event.time < incident.alarms[0]!.time) return;
    const user = event.user === null ? '' : `, ${this.#context.bridge.mask(event.user)}`;
    this.#acknowledge({ how: 'disarm', by: `panel${user}` });
  }

  #onCommand({ commandId, entity, command, origin }: BusEvents['command']): void {
    if (entity !== acknowledgeEntity) return;
    const done =
      origin === 'status_page'
        ? this.#acknowledge({ how: 'status_page', by: 'status page' })
        : this.#acknowledge({ how: 'button', by: 'Home Assistant' });
    this.#context.bus.emit('commandResult', {
      commandId,
      entity,
      command,
      ...(done ? { result: 'done' } : { result: 'refused', reason: nothingToAcknowledge }),
    });
  }

  /**
   * A disarm from Home Assistant that panel control carried out: `done` only once the panel reported itself disarmed,
   * so it acknowledges as the panel's own disarm mail would (which may come later, or not at all).
   */
  #onCommandResult({ entity, command, result }: BusEvents['commandResult']): void {
    if (entity === panelAlarmEntity && command === 'DISARM' && result === 'done')
      this.#acknowledge({ how: 'disarm', by: 'Home Assistant' });
  }

  /** `OK` or an ack word, in answer to one of the open incident's messages. */
  #onReply({ output, from, text, eventIds }: BusEvents['reply']): void {
    const incident = this.#incident;
    if (incident?.state !== 'open' || !this.#ackWords.has(text.trim().toLowerCase())) return;
    const own = new Set(incident.eventIds);
    if (eventIds.some((id) => own.has(id))) this.#acknowledge({ how: 'reply', by: `${output} ${from}` });
  }

  /** Acknowledges the open incident: its pending levels are cancelled, its escalation messages not yet out withdrawn. */
  #acknowledge(who: Omit<Acknowledgement, 'at'>): boolean {
    const incident = this.#incident;
    if (incident?.state !== 'open') return false;
    incident.state = 'acknowledged';
    incident.acknowledged = { ...who, at: new Date(this.#context.now()).toISOString() };
    this.#cancelTimer();
    this.#context.log.info(
      { incident: incident.id, how: who.how, by: who.by, escalationLevel: levelReached(incident) },
      'alarm incident acknowledged',
    );
    this.#changed(incident);
    this.#withdraw(
      incident,
      incident.escalations.map((escalation) => escalation.eventId),
    );
    return true;
  }

  #withdraw(incident: Incident, eventIds: string[]): void {
    if (eventIds.length === 0 || !incident.acknowledged) return;
    const { how, by } = incident.acknowledged;
    this.#context.bus.emit('withdraw', { eventIds, reason: `alarm acknowledged (${how}, ${by})` });
  }

  /**
   * Raises every level that is due, in order, then waits for the next one. One run at a time: a timer or a new
   * incident during a run makes it look again when it ends.
   */
  #advance(): void {
    if (this.#advancing !== undefined) {
      this.#advanceAgain = true;
      return;
    }
    this.#advancing = this.#escalate().finally(() => {
      this.#advancing = undefined;
      if (!this.#advanceAgain) return;
      this.#advanceAgain = false;
      this.#advance();
    });
  }

  async #escalate(): Promise<void> {
    const { now, timers, log } = this.#context;
    this.#cancelTimer();
    for (;;) {
      const incident = this.#incident;
      if (incident?.state !== 'open') return;
      // Also at a start after a long stop: an incident past its time ends without telling its remaining levels.
      if (this.#expired(incident)) {
        this.#close(incident);
        return;
      }
      const closesIn = lastActivity(incident) + this.#settings.close_after - now();
      const next = this.#nextLevel(incident);
      const wait = next ? incident.openedAt + next.settings.after - now() : Number.POSITIVE_INFINITY;
      if (!next || wait > 0) {
        this.#timer = timers.setTimeout(() => this.#advance(), Math.max(0, Math.min(wait, closesIn, longestTimerMs)));
        return;
      }
      if (!next) return;
      const outcome = await this.#raise(incident, next.level, next.settings);
      if (outcome === 'stopped') return;
      if (outcome === 'failed') {
        this.#timer = timers.setTimeout(() => this.#advance(), raiseRetryMs);
        log.warn(
          { incident: incident.id, escalationLevel: next.level, retryInMs: raiseRetryMs },
          'escalation level not raised: trying again',
        );
        return;
      }
    }
  }

  #nextLevel(incident: Incident): { level: number; settings: EscalationLevel } | undefined {
    const raised = new Set(incident.escalations.map((escalation) => escalation.level));
    const index = this.#settings.escalation.findIndex((_, position) => !raised.has(position + 1));
    const settings = this.#settings.escalation[index];
    return settings ? { level: index + 1, settings } : undefined;
  }

  /**
   * Raises one level and keeps that it did. Raised first, kept second: a crash between the two (the spool's fsync
   * and the store's) tells that level once more at the next start, where the other order could lose it — and a
   * level told twice costs a message, one never told may cost the alarm.
   */
  async #raise(incident: Incident, level: number, settings: EscalationLevel): Promise<'raised' | 'failed' | 'stopped'> {
    const { raise, now, log } = this.#context;
    let eventId: string;
    try {
      eventId = await raise(this.#draft(incident, level, settings));
    } catch (error) {
      if (error instanceof FeatureStopped) return 'stopped';
      log.error({ err: error, incident: incident.id, escalationLevel: level }, 'cannot raise the escalation level');
      return 'failed';
    }
    addEscalation(incident, level, eventId, now());
    log.info({ incident: incident.id, escalationLevel: level, mailId: eventId }, 'escalation level raised');
    this.#changed(incident);
    // Acknowledged while it was being raised: its messages are not wanted either.
    if (incident.state === 'acknowledged') this.#withdraw(incident, [eventId]);
    return 'raised';
  }

  #draft(incident: Incident, level: number, settings: EscalationLevel): Omit<RaisedEventDraft, 'source'> {
    const { language } = this.#settings;
    const to: EventTargets = {};
    for (const kind of ['sms', 'telegram', 'call'] as const) if (settings[kind].length > 0) to[kind] = settings[kind];
    return {
      category: 'alarm',
      type: escalationType,
      text: escalationText(incident, level, language, new Date(this.#context.now())),
      alarm_state: null,
      details: { incident: incident.id, level, language },
      to,
    };
  }

  #expired(incident: Incident): boolean {
    return this.#context.now() >= lastActivity(incident) + this.#settings.close_after;
  }

  /** Ends an open incident nobody acknowledged: the sensor shows none again, its alarms are remembered as earlier. */
  #close(incident: Incident): void {
    const hours = Math.round(this.#settings.close_after / 3_600_000);
    this.#context.log.warn(
      { incident: incident.id, alarms: incident.alarmCount, escalationLevel: levelReached(incident) },
      `alarm incident closed without acknowledgement ${hours} h after its last alarm or level`,
    );
    this.#earlier = [...this.#earlier, ...incident.alarms.map(({ id }) => id)].slice(-rememberedAlarms);
    this.#incident = null;
    this.#cancelTimer();
    const saved: Saved = { incident: null, earlier: this.#earlier };
    void this.#context.store<Saved>('incident').save(saved, {
      failed: (error) => this.#context.log.error({ err: error }, 'cannot keep the alarm incident (tried again)'),
      recovered: () => this.#context.log.info('alarm incident kept again'),
    });
    this.#context.bus.emit('incident', { ...factsOf(incident), state: 'closed' });
    this.#context.entities.update(incidentEntity, sensorStateOf(null));
  }

  #cancelTimer(): void {
    if (this.#timer) this.#context.timers.clear(this.#timer);
    this.#timer = undefined;
  }

  /** Keeps, tells and shows the incident as it is now. */
  #changed(incident: Incident): void {
    if (incident !== this.#incident) return;
    this.#keep(incident);
    this.#tell(incident);
  }

  #keep(incident: Incident): void {
    const { store, log, timers } = this.#context;
    if (this.#joinedTimer) timers.clear(this.#joinedTimer);
    this.#joinedTimer = undefined;
    const saved: Saved = { incident, earlier: this.#earlier };
    void store<Saved>('incident').save(structuredClone(saved), {
      failed: (error) => log.error({ err: error }, 'cannot keep the alarm incident (tried again): a restart now would forget it'),
      recovered: () => log.info('alarm incident kept again'),
    });
  }

  #tell(incident: Incident): void {
    this.#context.bus.emit('incident', factsOf(incident));
    this.#context.entities.update(incidentEntity, sensorStateOf(incident));
  }
}
