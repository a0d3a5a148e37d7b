// Home Assistant device-based discovery (`<discovery_prefix>/device/<id>/config`), built from data tables.
// Pure: the output decides when to publish and remembers what it published.
import type { Entity, PanelAlarmControl } from '../../core/entities.js';
import type { Component, DeviceDiscovery, DiscoveryContext } from './discovery-types.js';
import { entityComponents, lastCommandComponent } from './entity-discovery.js';
import type { ZoneState } from './zones.js';

export type { Component, DeviceDiscovery, DiscoveryContext } from './discovery-types.js';

const ha = {
  alarmTriggered: "{{ 'ON' if value == 'triggered' else 'OFF' }}",
  // The event entity wants {"event_type": …}; the bridge's own event JSON calls it "type".
  eventPayload:
    '{{ {"event_type": value_json.type, "category": value_json.category, "zone": value_json.zone, ' +
    '"sensor": value_json.sensor, "user": value_json.user, "text": value_json.text} | tojson }}',
  // Home Assistant keeps at most 255 characters of a state.
  lastEventText: '{{ value_json.text[:255] }}',
  eventTime: '{{ value_json.time }}',
};

/** The bridge itself: its last mail, each output's health, the last command's result and the entities parts declared on it. */
export function bridgeDevice(context: DiscoveryContext, declared: readonly Entity[] = []): DeviceDiscovery {
  const { nodeId, topics, version } = context;
  return {
    id: nodeId,
    device: {
      identifiers: [nodeId],
      name: 'Alarm Mail Bridge',
      manufacturer: 'Alarm Mail Bridge',
      model: 'Alarm Mail Bridge',
      sw_version: version,
    },
    components: {
      // Declared first: a declared id that happens to be a built-in one's yields to it.
      ...entityComponents(
        context,
        nodeId,
        declared.filter((entity) => entity.device === 'bridge'),
      ),
      last_mail: {
        platform: 'sensor',
        unique_id: `${nodeId}_last_mail`,
        name: 'Last mail received',
        device_class: 'timestamp',
        entity_category: 'diagnostic',
        icon: 'mdi:email-clock',
        state_topic: topics.lastEvent,
        value_template: ha.eventTime,
      },
      ...healthComponents(context),
      last_command: lastCommandComponent(context),
    },
  };
}

/** Each output's problem flag and last result, as its health description has them, e.g. `sms_problem`, `sms_last`. */
function healthComponents({ nodeId, topics, health }: DiscoveryContext): Record<string, Component> {
  const components: Record<string, Component> = {};
  for (const { output, problem, last } of health) {
    if (problem) {
      components[`${output}_problem`] = {
        platform: 'binary_sensor',
        unique_id: `${nodeId}_${output}_problem`,
        name: problem.name,
        device_class: 'problem',
        entity_category: 'diagnostic',
        state_topic: topics.health(output, 'problem'),
      };
    }
    if (last) {
      components[`${output}_last`] = {
        platform: 'sensor',
        unique_id: `${nodeId}_${output}_last`,
        name: last.name,
        device_class: 'enum',
        options: [...last.options],
        entity_category: 'diagnostic',
        icon: last.icon,
        state_topic: topics.health(output, 'last'),
        value_template: '{{ value_json.result }}',
        json_attributes_topic: topics.health(output, 'last'),
      };
    }
  }
  return components;
}

/**
 * The alarm panel entity's arm and disarm: none unless a part carries them out (panel control). With a code, Home
 * Assistant asks for it and, as `REMOTE_CODE`/`REMOTE_CODE_TEXT`, checks nothing itself: it sends the code with the
 * action through the `command_template`, and the part that carries the command out checks it.
 */
function panelAlarmOffer(control: PanelAlarmControl | undefined): Record<string, unknown> {
  if (!control) return { supported_features: [], code_arm_required: false, code_disarm_required: false, code_trigger_required: false };
  const coded = control.code !== 'none';
  return {
    supported_features: [...control.features],
    ...(coded
      ? {
          code: control.code === 'numeric' ? 'REMOTE_CODE' : 'REMOTE_CODE_TEXT',
          command_template: '{"action": "{{ action }}", "code": "{{ code }}"}',
        }
      : {}),
    code_arm_required: coded,
    code_disarm_required: coded,
    code_trigger_required: false,
  };
}

export function panelDevice(
  context: DiscoveryContext,
  declared: readonly Entity[] = [],
  control: PanelAlarmControl | undefined = undefined,
): DeviceDiscovery {
  const { nodeId, topics } = context;
  const { id: panelId, name, manufacturer, model } = context.catalog.panel;
  const id = `${nodeId}_${panelId}`;
  return {
    id,
    device: { identifiers: [id], name, manufacturer, model, via_device: nodeId },
    components: {
      ...entityComponents(
        context,
        id,
        declared.filter((entity) => entity.device === 'panel'),
      ),
      alarm: {
        platform: 'alarm_control_panel',
        unique_id: `${id}_alarm`,
        name: null,
        state_topic: topics.state,
        // Required by Home Assistant. What arrives here becomes a typed command of `panel_alarm`, answered on the
        // bridge's "Last command"; a panel cannot be armed by mail, so arm features only with panel control.
        command_topic: topics.command,
        ...panelAlarmOffer(control),
      },
      triggered: {
        platform: 'binary_sensor',
        unique_id: `${id}_triggered`,
        name: 'Alarm triggered',
        device_class: 'safety',
        state_topic: topics.state,
        value_template: ha.alarmTriggered,
      },
      event: {
        platform: 'event',
        unique_id: `${id}_event`,
        name: 'Alarm event',
        icon: 'mdi:alarm-light',
        state_topic: topics.event,
        value_template: ha.eventPayload,
        event_types: [...context.catalog.eventTypes],
      },
      last_event: {
        platform: 'sensor',
        unique_id: `${id}_last_event`,
        name: 'Last event',
        icon: 'mdi:message-alert',
        state_topic: topics.lastEvent,
        value_template: ha.lastEventText,
        json_attributes_topic: topics.lastEvent,
      },
    },
  };
}

interface ZoneEntity {
  key: 'door' | 'motion' | 'tamper' | 'problem';
  name: string;
  deviceClass: string;
  diagnostic: boolean;
  present: (zone: ZoneState) => boolean;
}

/** Door and motion appear once the zone reported them; any sensor can be tampered with or lost. */
const zoneEntities: readonly ZoneEntity[] = [
  { key: 'door', name: 'Door/window', deviceClass: 'opening', diagnostic: false, present: (zone) => zone.door !== null },
  { key: 'motion', name: 'Motion', deviceClass: 'motion', diagnostic: false, present: (zone) => zone.motion },
  { key: 'tamper', name: 'Tamper', deviceClass: 'tamper', diagnostic: true, present: () => true },
  { key: 'problem', name: 'Supervision', deviceClass: 'problem', diagnostic: true, present: () => true },
];

/**
 * A zone is a device of its own (via the panel), so a user can put it in an area; ids come from its number. Its
 * last alarm is there from the start, unknown until the zone raises one, so automations can name it beforehand.
 */
export function zoneDevice(context: DiscoveryContext, zone: number, state: ZoneState): DeviceDiscovery {
  const { nodeId, topics } = context;
  const id = `${nodeId}_zone_${zone}`;
  const components: Record<string, Component> = {};
  for (const entity of zoneEntities.filter((candidate) => candidate.present(state))) {
    components[entity.key] = {
      platform: 'binary_sensor',
      unique_id: `${id}_${entity.key}`,
      name: entity.name,
      device_class: entity.deviceClass,
      state_topic: topics.zone(zone, entity.key),
      ...(entity.diagnostic ? { entity_category: 'diagnostic' } : {}),
      ...(entity.key === 'motion' ? { off_delay: context.motionOffDelaySeconds } : {}),
    };
  }
  // A timestamp, so that every alarm changes the state (two intrusions in a row too) and triggers on it.
  components.last_alarm = {
    platform: 'sensor',
    unique_id: `${id}_last_alarm`,
    name: 'Last alarm',
    device_class: 'timestamp',
    icon: 'mdi:alarm-light',
    state_topic: topics.zone(zone, 'last_alarm'),
    value_template: ha.eventTime,
    json_attributes_topic: topics.zone(zone, 'last_alarm'),
  };
  const { manufacturer, model } = context.catalog.zone(zone);
  return {
    id,
    device: { identifiers: [id], name: state.name, manufacturer, model, via_device: `${nodeId}_${context.catalog.panel.id}` },
    components,
  };
}

/**
 * The retained config payload. Components published before and gone now are sent once as a bare
 * `{platform}`, which is how Home Assistant removes one component of a device. Each entity gets the id Home
 * Assistant should give it, `<platform>.<unique_id>` (e.g. `binary_sensor.alarm_mail_bridge_zone_3_door`), never one
 * made from names: `default_entity_id` from HA 2025.10 on, `object_id` before (device-based discovery exists since
 * 2024.11). HA 2025.10 deprecated `object_id` and warns of it only when `default_entity_id` is absent (core PRs
 * #151775, #151996); HA 2026.4 removed it and ignores it in discovery (core PR #164460).
 */
export function discoveryPayload(context: DiscoveryContext, discovery: DeviceDiscovery, removed: Record<string, string>): string {
  const components: Record<string, Component> = {};
  for (const [id, platform] of Object.entries(removed)) components[id] = { platform };
  for (const [id, component] of Object.entries(discovery.components)) {
    const objectId = String(component.unique_id);
    components[id] = { ...component, default_entity_id: `${component.platform}.${objectId}`, object_id: objectId };
  }
  return JSON.stringify({
    device: discovery.device,
    origin: { name: 'Alarm Mail Bridge', sw_version: context.version, ...(context.projectUrl ? { support_url: context.projectUrl } : {}) },
    availability_topic: context.topics.availability,
    qos: 1,
    components,
  });
}
