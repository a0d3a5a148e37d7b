// Discovery components for the entities parts declare (core/entities.ts) and for the results of their commands:
// pure builders, beside discovery.ts's fixed ones.
import type { Entity } from '../../core/entities.js';
import { commandResults } from './commands.js';
import type { Component, DiscoveryContext } from './discovery-types.js';

/** The declared entities of one device, keyed by their ids; unique ids are `<device id>_<entity id>`. */
export function entityComponents({ topics }: DiscoveryContext, deviceId: string, entities: readonly Entity[]): Record<string, Component> {
  const components: Record<string, Component> = {};
  for (const entity of entities) {
    const common = {
      unique_id: `${deviceId}_${entity.id}`,
      name: entity.name,
      ...(entity.device_class ? { device_class: entity.device_class } : {}),
      ...(entity.icon ? { icon: entity.icon } : {}),
      ...(entity.entity_category ? { entity_category: entity.entity_category } : {}),
    };
    if (entity.platform === 'button') {
      components[entity.id] = {
        platform: 'button',
        ...common,
        command_topic: topics.entity(entity.id, 'command'),
        payload_press: entity.commands?.[0] ?? 'PRESS',
      };
      continue;
    }
    const state = topics.entity(entity.id, 'state');
    components[entity.id] = {
      platform: entity.platform,
      ...common,
      ...(entity.options ? { options: [...entity.options] } : {}),
      state_topic: state,
      value_template: '{{ value_json.state }}',
      json_attributes_topic: state,
      json_attributes_template: '{{ value_json.attributes | tojson }}',
    };
  }
  return components;
}

/** The bridge's "Last command": the result as its state, the command, entity and reason as attributes. */
export function lastCommandComponent({ nodeId, topics }: DiscoveryContext): Component {
  return {
    platform: 'sensor',
    unique_id: `${nodeId}_last_command`,
    name: 'Last command',
    device_class: 'enum',
    options: [...commandResults],
    entity_category: 'diagnostic',
    icon: 'mdi:console-line',
    state_topic: topics.commandResult,
    value_template: '{{ value_json.result }}',
    json_attributes_topic: topics.commandResult,
  };
}
