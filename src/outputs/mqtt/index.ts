// The MQTT output: each event, the last event, the alarm state and the zones' states, and Home Assistant
// discovery for them; re-announced on every connect and when Home Assistant comes online, also after a restart of
// the bridge (all of it is kept in data_dir, for a broker that forgets retained messages). It shows any output's
// health and any part's entities from the bus, turns Home Assistant's commands into typed bus commands and shows
// their results: it knows no other output, no feature and no panel.
import { randomUUID } from 'node:crypto';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { BackgroundTasks } from '../../background-tasks.js';
import type { Bus, BusEvents } from '../../core/bus.js';
import { type Entity, type EntityState, type EntityView, panelAlarmAnswerMs, panelAlarmEntity } from '../../core/entities.js';
import type { AlarmEvent, AlarmState } from '../../core/event.js';
import type { ImageStore } from '../../core/images.js';
import { maskAddress, maskTargets } from '../../core/mask.js';
import type { Logger } from '../../log.js';
import type { SourceCatalog } from '../../sources/catalog.js';
import type { SaveReport, StateFile } from '../../spool/state-file.js';
import type { OutputHealth } from '../module.js';
import type { DeliveryReceipt, Output } from '../output.js';
import { CameraPublisher } from './camera-publisher.js';
import type { Cameras } from './cameras.js';
import { CommandDeadlines, commandMessage, commandResultPayload } from './commands.js';
import type { MqttConnection } from './connection.js';
import { bridgeDevice, type DeviceDiscovery, type DiscoveryContext, discoveryPayload, panelDevice, zoneDevice } from './discovery.js';
import { LastValues, type LastValuesState } from './last-values.js';
import { MqttLink } from './link.js';
import { RetainedValues } from './retained-values.js';
import { nodeIdFor, type Topics, topicsFor } from './topics.js';
import { maxZones, type ZoneState, type Zones, zoneChange } from './zones.js';

export interface MqttSettings {
  /** Where the broker is: from the configuration, the embedded broker or the Supervisor. */
  connection: () => Promise<MqttConnection>;
  topicPrefix: string;
  discoveryPrefix: string;
  /** Home Assistant discovery on or off; off removes what an earlier run announced. */
  discovery: boolean;
  motionOffDelaySeconds: number;
  /** Seconds a camera's motion sensor stays on, unless the camera mails "Stop" first. */
  cameraMotionOffDelaySeconds: number;
  version: string;
  projectUrl: string | undefined;
  /** What the sources produce and describe: the event entity's event_types, zone meanings, panel and zone devices. */
  catalog: SourceCatalog;
  /** The health every output reports, as Home Assistant shows it. */
  health: readonly OutputHealth[];
  /** Number addresses in an event's sender and recipients, and its own recipients (`to`), in full; else masked to their last four characters. */
  fullAddresses: boolean;
}

/** Discovery topics published so far, with their components (id → platform), to remove what is gone. */
export type AnnouncedDiscovery = Record<string, Record<string, string>>;

export interface MqttDependencies {
  log: Logger;
  /** Health of the outputs and entities' states come from here; commands from Home Assistant go there, their results come back. */
  bus: Bus;
  /** The entities parts declared: discovery, state and command topics for each. */
  entities: EntityView;
  /** The persisted alarm state, re-published on every (re)connect in case the broker lost it. */
  currentAlarmState: () => AlarmState | null;
  zoneFile: StateFile<Zones>;
  announcedFile: StateFile<AnnouncedDiscovery>;
  cameraFile: StateFile<Cameras>;
  /** The last event, each camera's last event and each output's last result. */
  lastValuesFile: StateFile<LastValuesState>;
  /** The cameras' pictures, read by the SHA-256 an event names. */
  images: ImageStore;
  /** Delay before answering Home Assistant's `online`; random by default so many bridges do not answer at once. */
  birthDelayMs?: () => number;
}

const retained: IClientPublishOptions = { qos: 1, retain: true };
const once: IClientPublishOptions = { qos: 1, retain: false };

export class MqttOutput implements Output {
  readonly name = 'mqtt';
  readonly #settings: MqttSettings;
  readonly #deps: MqttDependencies;
  readonly #topics: Topics;
  readonly #discovery: DiscoveryContext;
  readonly #link: MqttLink;
  readonly #cameras: CameraPublisher;
  #zones: Zones = {};
  #announced: AnnouncedDiscovery = {};
  readonly #lastValues: LastValues;
  /** The retained state last sent (panel control's `arming`/`disarming` too); an unchanged state is not sent again. */
  #publishedState: AlarmState | 'arming' | 'disarming' | null = null;
  #birthTimer: NodeJS.Timeout | undefined;
  readonly #background = new BackgroundTasks();
  /** The outputs' last results and problem flags, the entities' states and the last command's result. */
  readonly #retainedValues: RetainedValues;
  /** What start subscribed on the bus, released at stop. */
  readonly #unsubscribe: (() => void)[] = [];
  /** The last health each output reported: only a changed part is published. */
  readonly #health = new Map<string, BusEvents['health']>();
  #stopping = false;
  /** Every command gets a result, also when no part answers it. */
  readonly #deadlines = new CommandDeadlines((result) => this.#deps.bus.emit('commandResult', result));
  /** Connected once: from then on an entity declared late is announced by itself. */
  #connected = false;
  #zonesFullLogged = false;

  constructor(settings: MqttSettings, deps: MqttDependencies) {
    this.#settings = settings;
    this.#deps = deps;
    this.#topics = topicsFor(settings.topicPrefix, settings.discoveryPrefix);
    this.#discovery = {
      nodeId: nodeIdFor(settings.topicPrefix),
      topics: this.#topics,
      version: settings.version,
      projectUrl: settings.projectUrl,
      catalog: settings.catalog,
      motionOffDelaySeconds: settings.motionOffDelaySeconds,
      health: settings.health,
    };
    this.#lastValues = new LastValues(deps.lastValuesFile, this.#saveReport('last-values.json'));
    this.#cameras = new CameraPublisher({
      topicPrefix: settings.topicPrefix,
      catalog: settings.catalog,
      discovery: { ...this.#discovery, cameraMotionOffDelaySeconds: settings.cameraMotionOffDelaySeconds },
      file: deps.cameraFile,
      fileReport: this.#saveReport('cameras.json'),
      lastValues: this.#lastValues,
      images: deps.images,
      log: deps.log,
    });
    this.#retainedValues = new RetainedValues((topic, error) =>
      deps.log.debug({ err: error, topic }, 'publish not acknowledged: sent again after the next connect'),
    );
    this.#link = new MqttLink({ connection: settings.connection, availabilityTopic: this.#topics.availability }, deps.log, {
      onConnect: (client) => this.#onConnect(client),
      onMessage: (topic, payload, retain) => this.#onMessage(topic, payload, retain),
      onBroker: (connected, url) => deps.bus.emit('broker', { connected, url }),
    });
  }

  /** Connects in the background: intake and the spool work whether or not the broker is there. */
  async start(): Promise<void> {
    // Before any wait: the other outputs start after this one and report their health at their start.
    const { bus } = this.#deps;
    this.#unsubscribe.push(
      bus.on('health', (health) => this.#showHealth(health)),
      bus.on('entityDeclared', (entity) => this.#showEntity(entity)),
      bus.on('entityState', ({ id, ...state }) => this.#showEntityState(id, state)),
      bus.on('panelCommandState', ({ state }) => this.#showPanelCommandState(state)),
      bus.on('commandResult', (result) => {
        this.#deadlines.answered(result.commandId);
        this.#retainedValues.set(this.#topics.commandResult, commandResultPayload(result, new Date().toISOString()));
      }),
    );
    for (const { id, current } of this.#deps.entities.all()) if (current) this.#showEntityState(id, current);
    this.#zones = (await this.#deps.zoneFile.read()) ?? {};
    // The zones known from before, so an observer that counts on the bus knows them without waiting for a change.
    for (const [zone, state] of Object.entries(this.#zones)) this.#tellZone(Number(zone), state);
    this.#announced = (await this.#deps.announcedFile.read()) ?? {};
    await this.#cameras.load();
    await this.#lastValues.load();
    // The outputs' last results from before the restart, unless one reported a newer one meanwhile.
    for (const [output, last] of Object.entries(this.#lastValues.health)) {
      if (!this.#health.has(output) && this.#settings.health.some((described) => described.output === output && described.last)) {
        this.#retainedValues.set(this.#topics.health(output, 'last'), last);
      }
    }
    this.#link.start();
  }

  async deliver(event: AlarmEvent): Promise<DeliveryReceipt> {
    // Zone state follows the order of deliver calls, before any waiting.
    const change = zoneChange(this.#zones, event, this.#settings.catalog);
    if (change) {
      this.#zones = { ...this.#zones, [change.zone]: change.state };
      if (change.changed) this.#tellZone(change.zone, change.state);
    } else if (event.zone !== null && !this.#zonesFullLogged) {
      this.#zonesFullLogged = true;
      this.#deps.log.warn(
        { zone: event.zone, maxZones },
        'more zones than a panel has: no device for new zones, their events still go out (logged once)',
      );
    }
    const payload = JSON.stringify(this.#settings.fullAddresses ? event : withMaskedAddresses(event));
    /** State files this event changed: written after its publishes, waited for by its record's retirement only. */
    const saves: Promise<void>[] = [];
    const ready = this.#link.ready();
    const cameraPublishes = this.#cameras.publish(
      ready,
      event,
      payload,
      this.#settings.discovery ? (client, device) => this.#announce(client, device, saves) : undefined,
      saves,
    );
    const client = await ready;
    // The last event feeds the panel's "Last event" and "Last mail received": what the panel's own mail said, never an
    // event the bridge raised itself nor a camera's (each camera has its own), so neither makes a silent panel look alive.
    const fromPanel = event.input === 'smtp' && event.device === undefined;
    const publishes: Promise<unknown>[] = [
      client.publishAsync(this.#topics.event, payload, once),
      ...(fromPanel ? [client.publishAsync(this.#topics.lastEvent, payload, retained)] : []),
      ...cameraPublishes,
    ];
    if (event.alarm_state && event.alarm_state !== this.#publishedState) {
      this.#publishedState = event.alarm_state;
      publishes.push(client.publishAsync(this.#topics.state, event.alarm_state, retained));
    }
    if (change) {
      if (change.rediscover && this.#settings.discovery)
        publishes.push(this.#announce(client, zoneDevice(this.#discovery, change.zone, change.state), saves));
      for (const [entity, value] of Object.entries(change.publish)) {
        publishes.push(client.publishAsync(this.#topics.zone(change.zone, entity), value, entity === 'motion' ? once : retained));
      }
      // On disk before the record is retired (a kill right after must not bring back the old state), but not before
      // the next event; never failing, so a full disk does not make the event go out again.
      if (change.changed) saves.push(this.#deps.zoneFile.save(this.#zones, this.#saveReport('zones.json')));
    }
    await Promise.all(publishes);
    if (fromPanel) this.#lastValues.setEvent(payload);
    return saves.length > 0 ? { settled: Promise.all(saves).then(() => undefined) } : {};
  }

  /**
   * An output's last result and problem flag, retained, without making the reporter wait; only the parts its health
   * description has (no problem flag, and no topic, for SMS without a provider).
   */
  #showHealth(health: BusEvents['health']): void {
    const described = this.#settings.health.find((candidate) => candidate.output === health.output);
    if (!described) return;
    const before = this.#health.get(health.output);
    this.#health.set(health.output, health);
    if (described.last && health.last !== undefined && health.last !== before?.last) {
      const last = JSON.stringify(health.last);
      this.#retainedValues.set(this.#topics.health(health.output, 'last'), last);
      this.#lastValues.setHealth(health.output, last);
    }
    if (described.problem && health.problem !== undefined && health.problem !== before?.problem) {
      this.#retainedValues.set(this.#topics.health(health.output, 'problem'), health.problem ? 'ON' : 'OFF');
    }
  }

  /** A zone's state on the bus, for observers: the states as kept here, without the name beside them. */
  #tellZone(zone: number, { name, ...state }: ZoneState): void {
    this.#deps.bus.emit('zoneState', { zone, name, state });
  }

  /** An entity declared after the connect: its device is announced again, with it. */
  #showEntity(entity: Entity): void {
    if (entity.current) this.#showEntityState(entity.id, entity.current);
    if (!this.#settings.discovery || !this.#connected) return;
    const declared = this.#deps.entities.all();
    const device =
      entity.device === 'bridge'
        ? bridgeDevice(this.#discovery, declared)
        : panelDevice(this.#discovery, declared, this.#deps.entities.panelAlarmControl());
    this.#background.run(
      this.#link.ready().then((client) => this.#announce(client, device)),
      this.#warn('announcing an entity failed'),
    );
  }

  /**
   * What panel control says the alarm panel shows while it carries out a command (`arming`, then the state the panel
   * reported back); null shows the kept state again. Published like an event's state, and replaced by the next
   * event's: the panel's own word wins.
   */
  #showPanelCommandState(state: BusEvents['panelCommandState']['state']): void {
    const shown = state ?? this.#deps.currentAlarmState();
    if (shown === this.#publishedState) return;
    this.#publishedState = shown;
    // HA's alarm panel takes `None` as "unknown": the state before the command, when no event has told one yet.
    const payload = shown ?? 'None';
    this.#background.run(
      this.#link.ready().then((client) => client.publishAsync(this.#topics.state, payload, retained)),
      this.#warn('publishing the panel state failed'),
    );
  }

  #showEntityState(id: string, { state, attributes }: EntityState): void {
    this.#retainedValues.set(this.#topics.entity(id, 'state'), JSON.stringify({ state, attributes: attributes ?? {} }));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#deadlines.close();
    clearTimeout(this.#birthTimer);
    await this.#link.stop();
    await this.#background.settled();
    await this.#lastValues.close();
    for (const file of [this.#deps.zoneFile, this.#deps.announcedFile, this.#deps.cameraFile]) await file.close();
  }

  #onConnect(client: MqttClient): void {
    this.#connected = true;
    // Commands whether or not discovery is on: a user may have configured the entities by hand.
    const topics = [
      this.#topics.command,
      this.#topics.entityCommands,
      ...(this.#settings.discovery ? [this.#topics.homeAssistantStatus] : []),
    ];
    void client.subscribeAsync(topics, { qos: 1 }).catch(this.#warn('subscribe failed'));
    this.#background.run(this.#announceAll(client), this.#warn('publishing discovery and states failed'));
  }

  #onMessage(topic: string, payload: string, retain: boolean): void {
    // A retained command would be carried out again at every connect: commands are taken live only.
    const command = retain ? undefined : commandMessage(topic, payload, this.#topics, this.#deps.entities, randomUUID());
    if (command) {
      // Whoever owns the entity answers with a `commandResult` (the panel's: features/panel-control/).
      if (!('command' in command)) this.#deps.bus.emit('commandResult', command.refused);
      else if (this.#deadlines.expect(command.command, command.command.entity === panelAlarmEntity ? panelAlarmAnswerMs : undefined))
        this.#deps.bus.emit('command', command.command);
      else
        this.#deps.bus.emit('commandResult', { ...command.command, result: 'refused', reason: 'too many commands waiting for an answer' });
    } else if (topic === this.#topics.homeAssistantStatus && payload === 'online') {
      // Home Assistant restarted: it may have lost our entities if the broker dropped retained configs.
      clearTimeout(this.#birthTimer);
      const delay = this.#deps.birthDelayMs?.() ?? 1000 + Math.random() * 2000;
      this.#birthTimer = setTimeout(() => {
        this.#background.run(
          this.#link.ready().then((client) => this.#announceAll(client)),
          this.#warn('re-announcing to Home Assistant failed'),
        );
      }, delay);
    }
  }

  /** Availability, discovery (removing what is gone) and every retained state we know. */
  async #announceAll(client: MqttClient): Promise<void> {
    const publishes: Promise<unknown>[] = [client.publishAsync(this.#topics.availability, 'online', retained)];
    const declared = this.#deps.entities.all();
    const devices = this.#settings.discovery
      ? [
          bridgeDevice(this.#discovery, declared),
          panelDevice(this.#discovery, declared, this.#deps.entities.panelAlarmControl()),
          ...Object.entries(this.#zones).map(([zone, state]) => zoneDevice(this.#discovery, Number(zone), state)),
          ...this.#cameras.devices(),
        ]
      : [];
    const current = new Set(devices.map((device) => this.#topics.discovery(device.id)));
    for (const topic of Object.keys(this.#announced).filter((announced) => !current.has(announced))) {
      publishes.push(client.publishAsync(topic, '', retained));
      delete this.#announced[topic];
    }
    publishes.push(...devices.map((device) => this.#announce(client, device)));
    const state = this.#deps.currentAlarmState();
    this.#publishedState = state;
    if (state) publishes.push(client.publishAsync(this.#topics.state, state, retained));
    for (const [zone, zoneState] of Object.entries(this.#zones)) {
      if (zoneState.door) publishes.push(client.publishAsync(this.#topics.zone(Number(zone), 'door'), zoneState.door, retained));
      publishes.push(client.publishAsync(this.#topics.zone(Number(zone), 'tamper'), zoneState.tamper, retained));
      publishes.push(client.publishAsync(this.#topics.zone(Number(zone), 'problem'), zoneState.problem, retained));
      if (zoneState.lastAlarm)
        publishes.push(client.publishAsync(this.#topics.zone(Number(zone), 'last_alarm'), JSON.stringify(zoneState.lastAlarm), retained));
    }
    const lastEvent = this.#lastValues.event;
    if (lastEvent) publishes.push(client.publishAsync(this.#topics.lastEvent, lastEvent, retained));
    publishes.push(...this.#cameras.republish(client));
    publishes.push(this.#retainedValues.connected(client));
    await Promise.all(publishes);
    await this.#saveAnnounced();
  }

  /**
   * Publishes one device's discovery, with removal stubs for components announced before and gone now. The record
   * of what was announced is waited for, or handed to `saves` (an event's, see deliver).
   */
  async #announce(client: MqttClient, device: DeviceDiscovery, saves?: Promise<void>[]): Promise<void> {
    const topic = this.#topics.discovery(device.id);
    const before = this.#announced[topic] ?? {};
    const removed = Object.fromEntries(Object.entries(before).filter(([id]) => !(id in device.components)));
    this.#announced[topic] = Object.fromEntries(Object.entries(device.components).map(([id, component]) => [id, component.platform]));
    await client.publishAsync(topic, discoveryPayload(this.#discovery, device, removed), retained);
    const saved = this.#saveAnnounced();
    if (saves) saves.push(saved);
    else await saved;
  }

  #saveAnnounced(): Promise<void> {
    return this.#deps.announcedFile.save(this.#announced, this.#saveReport('discovery.json'));
  }

  /**
   * State files are written beside delivery, never as part of it: an event whose publishes went out is delivered,
   * and a full disk that fails the write must not make it go out again. Told once, written when the disk allows.
   */
  #saveReport(file: string): SaveReport {
    return {
      failed: (error) =>
        this.#deps.log.warn({ err: error, file }, 'cannot save a state file: kept in memory, written again when the disk allows'),
      recovered: () => this.#deps.log.info({ file }, 'state file saved again'),
    };
  }

  /** A publish cut short by our own stop is no degradation: that is a debug line, not a warning. */
  #warn(message: string): (error: unknown) => void {
    return (error) => this.#deps.log[this.#stopping ? 'debug' : 'warn']({ err: error }, message);
  }
}

/** A mail's sender and recipients masked, and a raised event's own recipients (`to`); an event without them gets none. */
function withMaskedAddresses(event: AlarmEvent): AlarmEvent {
  return {
    ...event,
    ...(event.from === undefined ? {} : { from: maskAddress(event.from) }),
    ...(event.recipients === undefined ? {} : { recipients: event.recipients.map(maskAddress) }),
    ...(event.to === undefined ? {} : { to: maskTargets(event.to) }),
  };
}
