// Entities from a part other than an output, end to end through real Mosquitto: a feature declares a button, Home
// Assistant finds it in discovery and presses it on its command topic, the feature answers `done`, and the result
// shows on the bridge's "Last command". The panel's arm request gets its `refused` the same way. Commands are taken
// with discovery off too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { checkDevicePayload } from '../helpers/ha-discovery.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';

/** A feature with a button that counts its presses in a sensor and answers each press `done`. */
const pressCounter = featureModule({
  name: 'press_counter',
  create: (_settings, { bus, entities }) => {
    let presses = 0;
    return {
      start() {
        entities.declare({
          id: 'test_button',
          platform: 'button',
          name: 'Test button',
          device: 'bridge',
          icon: 'mdi:gesture-tap-button',
          commands: ['PRESS'],
        });
        entities.declare({ id: 'test_presses', platform: 'sensor', name: 'Test presses', device: 'bridge' }, { state: '0' });
        bus.on('command', ({ commandId, entity, command }) => {
          if (entity !== 'test_button') return;
          presses += 1;
          entities.update('test_presses', { state: String(presses), attributes: { last: command } });
          bus.emit('commandResult', { commandId, entity, command, result: 'done' });
        });
      },
      stop() {},
    };
  },
});

type Components = Record<string, Record<string, unknown>>;

describe('entities and commands through MQTT', () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await Mosquitto.start();
  });
  after(() => broker.stop());

  it("shows a feature's button in discovery, takes its press and publishes the feature's answer; refuses the panel's arm request", async () => {
    let test: TestBridge | undefined;
    let homeAssistant: Subscriber | undefined;
    try {
      test = await startTestBridge({ mqttUrl: broker.url, features: [pressCounter] });
      homeAssistant = await Subscriber.connect(broker.url, ['homeassistant/#', 'alarm-mail-bridge/#']);
      const bridgeConfig = JSON.parse((await homeAssistant.next('homeassistant/device/alarm_mail_bridge/config')).payload) as Record<
        string,
        unknown
      >;
      assert.deepEqual(checkDevicePayload(bridgeConfig).problems, []);
      const components = bridgeConfig.components as Components;
      const button = components.test_button;
      assert.equal(button?.platform, 'button');
      const presses = components.test_presses;
      const lastCommand = components.last_command;
      assert.equal(lastCommand?.name, 'Last command');

      await homeAssistant.publish(String(button?.command_topic), String(button?.payload_press));
      const result = await homeAssistant.next(String(lastCommand?.state_topic), (message) => message.payload.includes('test_button'));
      assert.deepEqual(pick(JSON.parse(result.payload)), { entity: 'test_button', command: 'PRESS', result: 'done' });
      const state = await homeAssistant.next(String(presses?.state_topic), (message) => message.payload.includes('"1"'));
      assert.deepEqual(JSON.parse(state.payload), { state: '1', attributes: { last: 'PRESS' } });

      // The panel's alarm panel entity, as Home Assistant found it: its arm request is refused with the reason.
      const panelConfig = JSON.parse((await homeAssistant.next('homeassistant/device/alarm_mail_bridge_xt1/config')).payload) as {
        components: Components;
      };
      await homeAssistant.publish(String(panelConfig.components.alarm?.command_topic), 'ARM_AWAY');
      const refused = await homeAssistant.next(String(lastCommand?.state_topic), (message) => message.payload.includes('panel_alarm'));
      assert.deepEqual(pick(JSON.parse(refused.payload)), {
        entity: 'panel_alarm',
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'the XT1 cannot be armed or disarmed by mail',
      });
    } finally {
      await cleanUp(
        () => homeAssistant?.close(),
        () => test?.stop(),
      );
    }
  });

  it("takes the button's press with discovery off, where nothing is announced", async () => {
    let test: TestBridge | undefined;
    let subscriber: Subscriber | undefined;
    try {
      test = await startTestBridge({
        mqttUrl: broker.url,
        mqtt: { topic_prefix: 'amb-off', discovery_prefix: 'ha-off', discovery: false },
        features: [pressCounter],
      });
      subscriber = await Subscriber.connect(broker.url, ['ha-off/#', 'amb-off/#']);
      await subscriber.next('amb-off/availability', (message) => message.payload === 'online');
      await subscriber.publish('amb-off/entity/test_button/command', 'PRESS');
      const result = await subscriber.next('amb-off/command_result');
      assert.deepEqual(pick(JSON.parse(result.payload)), { entity: 'test_button', command: 'PRESS', result: 'done' });
      assert.deepEqual(
        subscriber.messages.filter((message) => message.topic.startsWith('ha-off/')),
        [],
      );
    } finally {
      await cleanUp(
        () => subscriber?.close(),
        () => test?.stop(),
      );
    }
  });
});

/** The result without its id and time, which differ per run. */
function pick(result: Record<string, unknown>): Record<string, unknown> {
  const { time, command_id: commandId, ...rest } = result;
  assert.equal(typeof time, 'string');
  assert.equal(typeof commandId, 'string');
  return rest;
}
