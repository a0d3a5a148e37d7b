// The bridge's MQTT topics: the documented interface for Home Assistant and any other subscriber.

export interface Topics {
  /** Every event as JSON, QoS 1, never retained. */
  event: string;
  /** `disarmed|armed_home|armed_away|triggered`, retained; `arming`/`disarming` while panel control carries out a command. */
  state: string;
  /** The JSON of the last event the panel mailed (not a camera's, not one the bridge raised), retained. */
  lastEvent: string;
  /** `online`/`offline`, retained; `offline` is the last will. */
  availability: string;
  /** Home Assistant's alarm panel sends arm/disarm here: typed commands of the entity `panel_alarm`. */
  command: string;
  /**
   * A declared entity's topics (core/entities.ts): `state` is `{"state": …, "attributes": {…}}`, retained; HA sends
   * the entity's commands (a button's `PRESS`) to `command`, e.g. `<prefix>/entity/acknowledge/command`.
   */
  entity: (id: string, part: 'state' | 'command') => string;
  /** The filter subscribed for every declared entity's commands, whether or not discovery is on. */
  entityCommands: string;
  /** The last command's result as JSON (`{time, command_id, entity, command, result, reason}`), retained. */
  commandResult: string;
  /** `ON`/`OFF` of one binary state of a zone, e.g. `<prefix>/zone/3/door`. */
  zone: (zone: number, entity: string) => string;
  /**
   * An output's health, retained: `last` is its last final result as JSON (e.g. `<prefix>/sms/last`), `problem` is
   * `ON` while it has a delivery problem (for SMS: after a failed SMS, `OFF` after the next one sent).
   */
  health: (output: string, part: 'last' | 'problem') => string;
  /** Home Assistant's birth and last will (`online`/`offline`). */
  homeAssistantStatus: string;
  /** Device-based discovery config of one device. */
  discovery: (deviceId: string) => string;
}

export function topicsFor(prefix: string, discoveryPrefix: string): Topics {
  return {
    event: `${prefix}/event`,
    state: `${prefix}/state`,
    lastEvent: `${prefix}/last_event`,
    availability: `${prefix}/availability`,
    command: `${prefix}/command`,
    entity: (id, part) => `${prefix}/entity/${id}/${part}`,
    entityCommands: `${prefix}/entity/+/command`,
    commandResult: `${prefix}/command_result`,
    health: (output, part) => `${prefix}/${output}/${part}`,
    zone: (zone, entity) => `${prefix}/zone/${zone}/${entity}`,
    homeAssistantStatus: `${discoveryPrefix}/status`,
    discovery: (deviceId) => `${discoveryPrefix}/device/${deviceId}/config`,
  };
}

/** Discovery ids allow `[a-zA-Z0-9_-]` only; derived from the topic prefix so two bridges never collide. */
export function nodeIdFor(prefix: string): string {
  return (
    prefix
      .replace(/[^a-zA-Z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase() || 'alarm_mail_bridge'
  );
}
