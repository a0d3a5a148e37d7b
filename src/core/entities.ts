// Home Assistant entities that any part of the bridge shows (a feature's "Panel silent" sensor, an "Acknowledge"
// button), as data: parts declare them and update their state here, the registry tells the bus, and the MQTT output
// alone renders them (discovery, state, command topics). No part but the MQTT output knows MQTT.

/** The platforms the MQTT output can render for a declared entity. */
export const entityPlatforms = ['sensor', 'binary_sensor', 'button'] as const;
export type EntityPlatform = (typeof entityPlatforms)[number];

/** Stable snake_case: it becomes the entity's unique id and its topics, so it must never change. */
const entityId = /^[a-z][a-z0-9_]{0,63}$/;

/** At most this many entities: declared by code, but a feature declaring in a loop must not grow discovery forever. */
export const maxEntities = 200;

export interface EntityDeclaration {
  /** Stable, snake_case (`panel_silent`); unique across the bridge. */
  id: string;
  platform: EntityPlatform;
  /** As Home Assistant shows it; null takes the device's name. */
  name: string | null;
  /** The device it belongs to: the bridge itself, or the alarm panel. */
  device: 'bridge' | 'panel';
  device_class?: string;
  /** e.g. `mdi:bell-check`. */
  icon?: string;
  entity_category?: 'diagnostic' | 'config';
  /** The states of an enum sensor (`device_class: enum`). */
  options?: readonly string[];
  /**
   * The commands it takes, as Home Assistant sends them: a button takes one (`['PRESS']`). Any other text on its
   * command topic is refused without reaching the bus.
   */
  commands?: readonly string[];
}

/** An entity's state as Home Assistant shows it; attributes become the entity's attributes. */
export interface EntityState {
  /** For a binary sensor `ON`/`OFF`; null: unknown. */
  state: string | null;
  attributes?: Record<string, string | number | boolean | null>;
}

export type Entity = EntityDeclaration & { owner: string; current: EntityState | undefined };

/**
 * The alarm panel's own entity (the panel device's alarm_control_panel): Home Assistant's arm and disarm requests
 * for it arrive as typed commands of this entity, like any declared entity's.
 */
export const panelAlarmEntity = 'panel_alarm';
/** Home Assistant's alarm panel payloads (its defaults for `payload_disarm`, `payload_arm_away`, …). */
export const panelAlarmCommands = ['DISARM', 'ARM_HOME', 'ARM_AWAY', 'ARM_NIGHT', 'ARM_VACATION', 'ARM_CUSTOM_BYPASS', 'TRIGGER'] as const;
/**
 * How long the MQTT output waits for the answer to a `panel_alarm` command before it answers `refused` itself: a
 * panel is asked over the network and its new state read back, which takes longer than a button's press.
 */
export const panelAlarmAnswerMs = 60_000;

/**
 * What the panel's alarm entity offers in Home Assistant, as the part that carries out its commands (panel control)
 * declares it. Undeclared: no arm or disarm buttons (`supported_features` empty).
 */
export interface PanelAlarmControl {
  /** Home Assistant's `supported_features` (disarm is always offered). */
  features: readonly ('arm_home' | 'arm_away')[];
  /** Home Assistant asks for a code and sends it with the command: `numeric` a keypad, `text` a text field, `none` asks for none. */
  code: 'none' | 'numeric' | 'text';
}

/** A declaration the registry refuses: a programming error of the part that made it, told at its start. */
export class EntityInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntityInvalid';
  }
}

/** The entities as a renderer sees them (the MQTT output): read only. */
export interface EntityView {
  all(): readonly Entity[];
  get(id: string): Entity | undefined;
  /** What the panel's alarm entity offers; undefined: no arm or disarm. */
  panelAlarmControl(): PanelAlarmControl | undefined;
}

/**
 * Where the registry tells of declarations and states: the bus (`entityDeclared`, `entityState`). Named by its shape
 * here, so that the bus may carry entity types without the two files importing each other.
 */
export interface EntityListener {
  emit(name: 'entityDeclared', entity: Entity): void;
  emit(name: 'entityState', state: EntityState & { id: string }): void;
}

export class EntityRegistry implements EntityView {
  readonly #bus: EntityListener;
  readonly #entities = new Map<string, Entity>();
  #panelAlarmControl: { owner: string; control: PanelAlarmControl } | undefined;

  constructor(bus: EntityListener) {
    this.#bus = bus;
  }

  /** Declares an entity of `owner` (a feature's name); tells the bus (`entityDeclared`). */
  declare(owner: string, declaration: EntityDeclaration, initial?: EntityState): void {
    if (!entityId.test(declaration.id) || declaration.id === panelAlarmEntity)
      throw new EntityInvalid(`entity id "${declaration.id}" is not snake_case or is taken`);
    if (this.#entities.has(declaration.id)) throw new EntityInvalid(`entity "${declaration.id}" is declared twice`);
    if (this.#entities.size >= maxEntities) throw new EntityInvalid(`more than ${maxEntities} entities`);
    if (declaration.platform === 'button' && declaration.commands?.length !== 1)
      throw new EntityInvalid(`button "${declaration.id}" takes exactly one command`);
    const entity: Entity = { ...declaration, owner, current: initial };
    this.#entities.set(declaration.id, entity);
    this.#bus.emit('entityDeclared', entity);
  }

  /** A new state of an entity `owner` declared; tells the bus (`entityState`). */
  update(owner: string, id: string, state: EntityState): void {
    const entity = this.#entities.get(id);
    if (entity?.owner !== owner) throw new EntityInvalid(`entity "${id}" is not declared by ${owner}`);
    this.#entities.set(id, { ...entity, current: state });
    this.#bus.emit('entityState', { id, ...state });
  }

  /**
   * `owner` carries out the panel's arm and disarm commands and tells what the entity offers; one part only, at its
   * start (before the MQTT output announces the panel).
   */
  controlPanelAlarm(owner: string, control: PanelAlarmControl): void {
    if (this.#panelAlarmControl && this.#panelAlarmControl.owner !== owner)
      throw new EntityInvalid(`the panel's alarm entity is controlled by ${this.#panelAlarmControl.owner} already`);
    this.#panelAlarmControl = { owner, control: { features: [...control.features], code: control.code } };
  }

  panelAlarmControl(): PanelAlarmControl | undefined {
    return this.#panelAlarmControl?.control;
  }

  all(): readonly Entity[] {
    return [...this.#entities.values()];
  }

  get(id: string): Entity | undefined {
    return this.#entities.get(id);
  }
}
