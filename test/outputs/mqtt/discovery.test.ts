// Discovery builders: valid for Home Assistant, stable ids, zone entities as the zone reveals them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bus } from '../../../src/core/bus.js';
import { type EntityDeclaration, EntityRegistry } from '../../../src/core/entities.js';
import { bridgeDevice, type DiscoveryContext, discoveryPayload, panelDevice, zoneDevice } from '../../../src/outputs/mqtt/discovery.js';
import { nodeIdFor, topicsFor } from '../../../src/outputs/mqtt/topics.js';
import { smsHealth } from '../../../src/outputs/sms/health.js';
import { catalogOf } from '../../../src/sources/catalog.js';
import { buildProfiles } from '../../../src/sources/registry.js';
import { checkDevicePayload } from '../../helpers/ha-discovery.js';

const context: DiscoveryContext = {
  nodeId: nodeIdFor('alarm-mail-bridge'),
  topics: topicsFor('alarm-mail-bridge', 'homeassistant'),
  version: '1.2.3',
  projectUrl: undefined,
  catalog: { ...catalogOf(buildProfiles([])), eventTypes: ['intrusion', 'tamper', 'unknown'] },
  motionOffDelaySeconds: 45,
  health: [{ output: 'sms', ...smsHealth(true) }],
};
const zone = { name: 'Tür Süd 2', door: 'OFF' as const, motion: true, tamper: 'OFF' as const, problem: 'OFF' as const };

describe('discovery builders', () => {
  it('builds payloads Home Assistant accepts, for the bridge, the panel and a zone', () => {
    for (const device of [bridgeDevice(context), panelDevice(context), zoneDevice(context, 3, zone)]) {
      const { problems } = checkDevicePayload(JSON.parse(discoveryPayload(context, device, {})) as Record<string, unknown>);
      assert.deepEqual(problems, [], device.id);
    }
  });

  it('keeps ids stable: from the topic prefix and the zone number, never from names', () => {
    assert.equal(context.nodeId, 'alarm_mail_bridge');
    assert.equal(nodeIdFor('Haus/Alarm 2'), 'haus_alarm_2');
    const renamed = zoneDevice(context, 3, { ...zone, name: 'Haustür' });
    assert.equal(renamed.id, 'alarm_mail_bridge_zone_3');
    assert.deepEqual(
      Object.values(renamed.components).map((component) => component.unique_id),
      Object.values(zoneDevice(context, 3, zone).components).map((component) => component.unique_id),
    );
    assert.equal(renamed.device.name, 'Haustür');
  });

  it('gives every entity the id Home Assistant should use, made from its unique id: old and new HA alike', () => {
    const devices = [bridgeDevice(context), panelDevice(context), zoneDevice(context, 3, { ...zone, name: 'Terrasse' })];
    const ids = devices.flatMap(
      (device) => checkDevicePayload(JSON.parse(discoveryPayload(context, device, {})) as Record<string, unknown>).entities,
    );
    for (const { platform, config } of ids) {
      assert.equal(config.default_entity_id, `${platform}.${String(config.unique_id)}`);
      assert.equal(config.object_id, config.unique_id);
    }
    assert.deepEqual(
      ids.map(({ config }) => config.default_entity_id),
      [
        'sensor.alarm_mail_bridge_last_mail',
        'binary_sensor.alarm_mail_bridge_sms_problem',
        'sensor.alarm_mail_bridge_sms_last',
        'sensor.alarm_mail_bridge_last_command',
        'alarm_control_panel.alarm_mail_bridge_xt1_alarm',
        'binary_sensor.alarm_mail_bridge_xt1_triggered',
        'event.alarm_mail_bridge_xt1_event',
        'sensor.alarm_mail_bridge_xt1_last_event',
        'binary_sensor.alarm_mail_bridge_zone_3_door',
        'binary_sensor.alarm_mail_bridge_zone_3_motion',
        'binary_sensor.alarm_mail_bridge_zone_3_tamper',
        'binary_sensor.alarm_mail_bridge_zone_3_problem',
        'sensor.alarm_mail_bridge_zone_3_last_alarm',
      ],
    );
    const removal = JSON.parse(discoveryPayload(context, bridgeDevice(context), { gone: 'sensor' })) as {
      components: Record<string, unknown>;
    };
    assert.deepEqual(removal.components.gone, { platform: 'sensor' }, 'a removal stub stays bare');
  });

  it('gives each zone its last alarm from the start: a timestamp, the type as an attribute', () => {
    const quiet = zoneDevice(context, 5, { name: 'PIR EG', door: null, motion: false, tamper: 'OFF', problem: 'OFF' });
    const lastAlarm = quiet.components.last_alarm;
    assert.deepEqual(
      [
        lastAlarm?.platform,
        lastAlarm?.name,
        lastAlarm?.device_class,
        lastAlarm?.state_topic,
        lastAlarm?.value_template,
        lastAlarm?.json_attributes_topic,
      ],
      [
        'sensor',
        'Last alarm',
        'timestamp',
        'alarm-mail-bridge/zone/5/last_alarm',
        '{{ value_json.time }}',
        'alarm-mail-bridge/zone/5/last_alarm',
      ],
    );
    assert.equal(lastAlarm?.entity_category, undefined, 'an alarm is no diagnostic');
  });

  it('offers no arm features on the panel, but the command topic Home Assistant requires', () => {
    const alarm = panelDevice(context).components.alarm;
    assert.deepEqual([alarm?.supported_features, alarm?.command_topic], [[], 'alarm-mail-bridge/command']);
  });

  it('offers arm home, arm away and disarm once panel control carries them out, and asks for its code, checked by the bridge', () => {
    const offer = (control: Parameters<typeof panelDevice>[2]) => {
      const device = panelDevice(context, [], control);
      assert.deepEqual(checkDevicePayload(JSON.parse(discoveryPayload(context, device, {})) as Record<string, unknown>).problems, []);
      const alarm: Record<string, unknown> = device.components.alarm ?? {};
      return {
        supported_features: alarm.supported_features,
        code: alarm.code,
        command_template: alarm.command_template,
        code_arm_required: alarm.code_arm_required,
        code_disarm_required: alarm.code_disarm_required,
      };
    };
    const features = ['arm_home', 'arm_away'] as const;
    assert.deepEqual(offer({ features, code: 'none' }), {
      supported_features: ['arm_home', 'arm_away'],
      code: undefined,
      command_template: undefined,
      code_arm_required: false,
      code_disarm_required: false,
    });
    // REMOTE_CODE: HA shows a keypad, checks nothing itself and sends the code with the action.
    const template = '{"action": "{{ action }}", "code": "{{ code }}"}';
    assert.deepEqual(offer({ features, code: 'numeric' }), {
      supported_features: ['arm_home', 'arm_away'],
      code: 'REMOTE_CODE',
      command_template: template,
      code_arm_required: true,
      code_disarm_required: true,
    });
    assert.equal(offer({ features, code: 'text' }).code, 'REMOTE_CODE_TEXT');
  });

  it('gives a zone door and motion entities only once it reported them', () => {
    const quiet = zoneDevice(context, 5, { name: 'PIR EG', door: null, motion: false, tamper: 'OFF', problem: 'OFF' });
    assert.deepEqual(Object.keys(quiet.components), ['tamper', 'problem', 'last_alarm']);
    const busy = zoneDevice(context, 5, { name: 'PIR EG', door: 'ON', motion: true, tamper: 'OFF', problem: 'OFF' });
    assert.deepEqual(Object.keys(busy.components), ['door', 'motion', 'tamper', 'problem', 'last_alarm']);
    assert.equal(busy.components.motion?.off_delay, 45);
  });

  it('sends a removed component once as a bare platform, as Home Assistant wants for removal', () => {
    const withoutSms = { ...context, health: [{ output: 'sms', ...smsHealth(false) }] };
    const payload = JSON.parse(discoveryPayload(withoutSms, bridgeDevice(withoutSms), { sms_problem: 'binary_sensor' })) as {
      components: Record<string, unknown>;
    };
    assert.deepEqual(payload.components.sms_problem, { platform: 'binary_sensor' });
    assert.ok('sms_problem' in bridgeDevice(context).components, 'present while a provider is configured');
  });

  it('shows the last SMS result in dry-run too, with dry_run among its states, and no delivery problem', () => {
    const dryRun = { ...context, health: [{ output: 'sms', ...smsHealth(false) }] };
    const { problems, entities } = checkDevicePayload(
      JSON.parse(discoveryPayload(dryRun, bridgeDevice(dryRun), {})) as Record<string, unknown>,
    );
    assert.deepEqual(problems, []);
    const last = entities.find((entity) => entity.config.unique_id === 'alarm_mail_bridge_sms_last');
    assert.deepEqual(last?.config.options, ['sent', 'dry_run', 'failed', 'suppressed']);
    assert.equal(
      entities.some((entity) => entity.config.unique_id === 'alarm_mail_bridge_sms_problem'),
      false,
    );
  });

  it('names the origin with the version', () => {
    const payload = JSON.parse(discoveryPayload({ ...context, projectUrl: 'https://example.org/amb' }, panelDevice(context), {})) as {
      origin: unknown;
    };
    assert.deepEqual(payload.origin, { name: 'Alarm Mail Bridge', sw_version: '1.2.3', support_url: 'https://example.org/amb' });
  });

  it('renders the entities parts declare, on the bridge or the panel, as payloads Home Assistant accepts', () => {
    const registry = new EntityRegistry(new Bus(() => undefined));
    const declarations: EntityDeclaration[] = [
      {
        id: 'panel_silent',
        platform: 'binary_sensor',
        name: 'Panel silent',
        device: 'panel',
        device_class: 'problem',
        entity_category: 'diagnostic',
      },
      {
        id: 'incident',
        platform: 'sensor',
        name: 'Incident',
        device: 'bridge',
        device_class: 'enum',
        options: ['none', 'open', 'acknowledged'],
        icon: 'mdi:alarm-light',
      },
      { id: 'acknowledge', platform: 'button', name: 'Acknowledge alarm', device: 'bridge', commands: ['PRESS'] },
      // A built-in component's id: the built-in one stays.
      { id: 'last_mail', platform: 'sensor', name: 'Not the last mail', device: 'bridge' },
    ];
    for (const declaration of declarations) registry.declare('test', declaration);
    const bridge = bridgeDevice(context, registry.all());
    const panel = panelDevice(context, registry.all());
    for (const device of [bridge, panel])
      assert.deepEqual(
        checkDevicePayload(JSON.parse(discoveryPayload(context, device, {})) as Record<string, unknown>).problems,
        [],
        device.id,
      );
    assert.deepEqual(bridge.components.acknowledge, {
      platform: 'button',
      unique_id: 'alarm_mail_bridge_acknowledge',
      name: 'Acknowledge alarm',
      command_topic: 'alarm-mail-bridge/entity/acknowledge/command',
      payload_press: 'PRESS',
    });
    assert.deepEqual(bridge.components.incident, {
      platform: 'sensor',
      unique_id: 'alarm_mail_bridge_incident',
      name: 'Incident',
      device_class: 'enum',
      icon: 'mdi:alarm-light',
      options: ['none', 'open', 'acknowledged'],
      state_topic: 'alarm-mail-bridge/entity/incident/state',
      value_template: '{{ value_json.state }}',
      json_attributes_topic: 'alarm-mail-bridge/entity/incident/state',
      json_attributes_template: '{{ value_json.attributes | tojson }}',
    });
    assert.equal(panel.components.panel_silent?.unique_id, 'alarm_mail_bridge_xt1_panel_silent');
    assert.equal(bridge.components.panel_silent, undefined, 'each entity on its own device');
    assert.equal(bridge.components.last_mail?.name, 'Last mail received');
    assert.deepEqual(bridge.components.last_command?.options, ['done', 'refused']);
  });
});
