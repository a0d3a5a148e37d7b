// Home Assistant discovery of one camera: a device (via the bridge) with a motion sensor, the last snapshot as an
// MQTT image entity, an event entity with the camera's event types, and its last event. Built from what the
// camera's profile describes (through the catalog), never from a vendor's name.
import type { CameraDescription } from '../../sources/catalog.js';
import type { CameraState } from './cameras.js';
import type { Component, DeviceDiscovery, DiscoveryContext } from './discovery.js';

export interface CameraTopics {
  /** The last picture's raw bytes, retained, so Home Assistant shows it after a restart. */
  image: string;
  /** `ON`/`OFF`, not retained: Home Assistant turns it off after `off_delay`. */
  motion: string;
  /** The camera's events as JSON, not retained. */
  event: string;
  /** Its last event's JSON, retained. */
  lastEvent: string;
}

export function cameraTopicsFor(prefix: string, cameraId: string): CameraTopics {
  const base = `${prefix}/camera/${cameraId}`;
  return { image: `${base}/image`, motion: `${base}/motion`, event: `${base}/event`, lastEvent: `${base}/last_event` };
}

const ha = {
  eventPayload:
    '{{ {"event_type": value_json.type, "category": value_json.category, "device_time": value_json.device_time, ' +
    '"phase": value_json.phase, "text": value_json.text} | tojson }}',
  lastEventText: '{{ value_json.text[:255] }}',
};

export function cameraDevice(
  context: DiscoveryContext & { cameraMotionOffDelaySeconds: number },
  topics: CameraTopics,
  id: string,
  state: CameraState,
  description: CameraDescription,
): DeviceDiscovery {
  const deviceId = `${context.nodeId}_camera_${id}`;
  const components: Record<string, Component> = {
    motion: {
      platform: 'binary_sensor',
      unique_id: `${deviceId}_motion`,
      name: 'Motion',
      device_class: 'motion',
      state_topic: topics.motion,
      off_delay: context.cameraMotionOffDelaySeconds,
    },
    event: {
      platform: 'event',
      unique_id: `${deviceId}_event`,
      name: 'Camera event',
      icon: 'mdi:cctv',
      state_topic: topics.event,
      value_template: ha.eventPayload,
      event_types: [...description.eventTypes],
    },
    last_event: {
      platform: 'sensor',
      unique_id: `${deviceId}_last_event`,
      name: 'Last event',
      icon: 'mdi:message-video',
      state_topic: topics.lastEvent,
      value_template: ha.lastEventText,
      json_attributes_topic: topics.lastEvent,
    },
  };
  // Announced before the first picture too (as JPEG, what nearly all cameras send), so the entity is there
  // from the camera's first mail; a camera that sends PNG is announced again with its type.
  components.snapshot = {
    platform: 'image',
    unique_id: `${deviceId}_snapshot`,
    name: 'Snapshot',
    image_topic: topics.image,
    content_type: state.image?.content_type ?? 'image/jpeg',
  };
  return {
    id: deviceId,
    device: {
      identifiers: [deviceId],
      name: state.name,
      manufacturer: description.manufacturer,
      model: description.model,
      via_device: context.nodeId,
    },
    components,
  };
}
