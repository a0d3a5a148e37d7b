// Checks a device-based discovery payload the way Home Assistant's MQTT schemas do: the keys each platform
// requires, and no key it does not know (HA drops unknown entity keys silently, so a typo would do nothing;
// in `device` and `origin` an unknown key fails the whole config). Key lists from HA's MQTT docs.
const availability = [
  'availability',
  'availability_topic',
  'availability_mode',
  'availability_template',
  'payload_available',
  'payload_not_available',
];
// `object_id`: the entity id before HA 2025.10 (deprecated since, superseded by `default_entity_id`).
const entityCommon = [
  'platform',
  'unique_id',
  'name',
  'default_entity_id',
  'object_id',
  'icon',
  'entity_category',
  'enabled_by_default',
  'entity_picture',
  'json_attributes_topic',
  'json_attributes_template',
  'qos',
  'encoding',
  ...availability,
];

const platforms: Record<string, { required: string[]; optional: string[] }> = {
  sensor: {
    required: ['state_topic'],
    optional: [
      'value_template',
      'device_class',
      'state_class',
      'unit_of_measurement',
      'expire_after',
      'force_update',
      'options',
      'suggested_display_precision',
      'last_reset_value_template',
    ],
  },
  binary_sensor: {
    required: ['state_topic'],
    optional: ['value_template', 'device_class', 'payload_on', 'payload_off', 'off_delay', 'expire_after', 'force_update'],
  },
  event: { required: ['state_topic', 'event_types'], optional: ['value_template', 'device_class'] },
  button: { required: ['command_topic'], optional: ['command_template', 'device_class', 'payload_press', 'retain'] },
  // HA's mqtt/image.py: one of image_topic (raw bytes, or base64 with image_encoding b64) or url_topic is required
  // (checked below); content_type only with image_topic.
  image: { required: [], optional: ['image_topic', 'content_type', 'image_encoding', 'url_topic', 'url_template'] },
  alarm_control_panel: {
    required: ['state_topic', 'command_topic'],
    optional: [
      'value_template',
      'command_template',
      'supported_features',
      'code',
      'code_arm_required',
      'code_disarm_required',
      'code_trigger_required',
      'retain',
      'payload_arm_away',
      'payload_arm_home',
      'payload_arm_night',
      'payload_arm_vacation',
      'payload_arm_custom_bypass',
      'payload_disarm',
      'payload_trigger',
    ],
  },
};
const rootKeys = ['device', 'origin', 'components', 'state_topic', 'command_topic', 'qos', 'encoding', ...availability];
const deviceKeys = [
  'identifiers',
  'connections',
  'name',
  'manufacturer',
  'model',
  'model_id',
  'sw_version',
  'hw_version',
  'serial_number',
  'suggested_area',
  'configuration_url',
  'via_device',
];
const originKeys = ['name', 'sw_version', 'support_url'];
const alarmFeatures = ['arm_home', 'arm_away', 'arm_night', 'arm_vacation', 'arm_custom_bypass', 'trigger'];

export interface Entity {
  platform: string;
  config: Record<string, unknown>;
}

/** Problems found in one payload; `entities` are its live components (removal stubs left out). */
export function checkDevicePayload(payload: Record<string, unknown>): { problems: string[]; entities: Entity[] } {
  const problems: string[] = [];
  const unknown = (where: string, object: Record<string, unknown>, known: string[]) => {
    for (const key of Object.keys(object)) if (!known.includes(key)) problems.push(`${where}: unknown key ${key}`);
  };
  unknown('root', payload, rootKeys);
  const device = payload.device as Record<string, unknown> | undefined;
  const origin = payload.origin as Record<string, unknown> | undefined;
  if (!device || (!device.identifiers && !device.connections)) problems.push('device with identifiers is required');
  else unknown('device', device, deviceKeys);
  if (!origin || typeof origin.name !== 'string') problems.push('origin with a name is required');
  else unknown('origin', origin, originKeys);
  const components = payload.components as Record<string, Record<string, unknown>> | undefined;
  if (!components || Object.keys(components).length === 0) problems.push('components are required');
  const entities: Entity[] = [];
  for (const [id, component] of Object.entries(components ?? {})) {
    if (!/^[a-zA-Z0-9_-]+$/.test(id)) problems.push(`${id}: component id not allowed`);
    const platform = String(component.platform);
    const schema = platforms[platform];
    if (!schema) {
      problems.push(`${id}: unknown platform ${platform}`);
      continue;
    }
    if (Object.keys(component).length === 1) continue; // a removal stub
    const inherited = (key: string) =>
      key in component || (key === 'state_topic' && 'state_topic' in payload) || (key === 'command_topic' && 'command_topic' in payload);
    for (const key of [...schema.required, 'unique_id']) if (!inherited(key)) problems.push(`${id}: ${key} is required`);
    unknown(id, component, [...entityCommon, ...schema.required, ...schema.optional]);
    if (platform === 'sensor' && component.options && component.device_class !== 'enum')
      problems.push(`${id}: options need device_class enum`);
    if (platform === 'event' && (!Array.isArray(component.event_types) || component.event_types.length === 0))
      problems.push(`${id}: event_types must be a non-empty list`);
    if (platform === 'image') {
      if (!('image_topic' in component) && !('url_topic' in component)) problems.push(`${id}: one of image_topic, url_topic is required`);
      if ('content_type' in component && 'url_topic' in component) problems.push(`${id}: content_type cannot be used with url_topic`);
      if ('image_encoding' in component && component.image_encoding !== 'b64') problems.push(`${id}: image_encoding must be b64`);
      if ('content_type' in component && !/^image\/[a-z0-9.+-]+$/.test(String(component.content_type)))
        problems.push(`${id}: content_type must be an image type`);
    }
    if (platform === 'alarm_control_panel' && Array.isArray(component.supported_features)) {
      for (const feature of component.supported_features)
        if (!alarmFeatures.includes(String(feature))) problems.push(`${id}: unknown feature ${String(feature)}`);
    }
    entities.push({ platform, config: component });
  }
  return { problems, entities };
}
