// Arming from Home Assistant end to end: real Mosquitto, the bridge in this process, and a stand-in of the XT1's web
// interface. Home Assistant finds the panel with arm and disarm and a code, sends the command as its
// command_template renders it, sees `arming` and then the state the panel reported, and the result on
// `<prefix>/command_result`; a wrong code or a panel that refuses leaves the state as it was.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeXt1Web } from '../helpers/fake-xt1-web.js';
import { checkDevicePayload } from '../helpers/ha-discovery.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

type Component = Record<string, unknown>;

describe('panel control through MQTT', () => {
  let broker: Mosquitto;
  let panel: FakeXt1Web;
  before(async () => {
    broker = await Mosquitto.start();
    panel = await new FakeXt1Web().start();
  });
  after(() =>
    cleanUp(
      () => panel.stop(),
      () => broker.stop(),
    ),
  );

  it('arms from the discovered command topic with the code: arming, then armed_away and done; a wrong code or a refusal leaves the state', async () => {
    let test: TestBridge | undefined;
    let homeAssistant: Subscriber | undefined;
    try {
      test = await startTestBridge({
        mqttUrl: broker.url,
        panel_control: { url: panel.url, username: panel.username, password: panel.password, code: '4711' },
      });
      homeAssistant = await Subscriber.connect(broker.url, ['homeassistant/#', 'alarm-mail-bridge/#']);
      const panelConfig = JSON.parse((await homeAssistant.next('homeassistant/device/alarm_mail_bridge_xt1/config')).payload) as {
        components: Record<string, Component>;
      };
      assert.deepEqual(checkDevicePayload(panelConfig as unknown as Record<string, unknown>).problems, []);
      const alarm = panelConfig.components.alarm ?? {};
      assert.deepEqual(alarm.supported_features, ['arm_home', 'arm_away']);
      assert.equal(alarm.code, 'REMOTE_CODE');
      assert.equal(alarm.code_arm_required, true);
      const stateTopic = String(alarm.state_topic);
      const commandTopic = String(alarm.command_topic);
      // As Home Assistant renders the command_template with the action and the code typed on its keypad.
      const send = (action: string, code: string) =>
        homeAssistant?.publish(commandTopic, String(alarm.command_template).replace('{{ action }}', action).replace('{{ code }}', code));
      const result = (command: string, from: number) =>
        homeAssistant?.next('alarm-mail-bridge/command_result', (message) => {
          const index = homeAssistant?.messages.indexOf(message) ?? -1;
          return index >= from && message.payload.includes(`"command":"${command}"`);
        });
      const states = () =>
        homeAssistant?.messages.filter((message) => message.topic === stateTopic).map((message) => message.payload) ?? [];

      let from = homeAssistant.messages.length;
      await send('ARM_AWAY', '4711');
      const armed = JSON.parse((await result('ARM_AWAY', from))?.payload ?? '{}') as Record<string, unknown>;
      assert.deepEqual([armed.entity, armed.result, armed.reason], ['panel_alarm', 'done', undefined]);
      await homeAssistant.next(stateTopic, (message) => message.payload === 'armed_away');
      assert.deepEqual(states(), ['arming', 'armed_away']);
      assert.equal(panel.mode, 'Arm');
      assert.ok(!test.logs.some((line) => JSON.stringify(line).includes(panel.password)));

      // The panel's own mail confirms it: the kept state, which the state returns to after a failure.
      await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Arm' });
      await homeAssistant.next('alarm-mail-bridge/event', (message) => message.payload.includes('armed_away'));

      const requests = panel.requests.length;
      from = homeAssistant.messages.length;
      await send('DISARM', '0000');
      const wrong = JSON.parse((await result('DISARM', from))?.payload ?? '{}') as Record<string, unknown>;
      assert.deepEqual([wrong.result, wrong.reason], ['refused', 'wrong code']);
      assert.equal(panel.requests.length, requests, 'nothing sent to the panel');

      panel.refuseWith = '{WEB_ERR_BUSY}';
      from = homeAssistant.messages.length;
      await send('DISARM', '4711');
      const refused = JSON.parse((await result('DISARM', from))?.payload ?? '{}') as Record<string, unknown>;
      assert.deepEqual([refused.result, refused.reason], ['refused', 'the panel did not take the command ({WEB_ERR_BUSY})']);
      await homeAssistant.collect(stateTopic, 4);
      assert.deepEqual(states(), ['arming', 'armed_away', 'disarming', 'armed_away']);
      assert.equal(panel.mode, 'Arm');
    } finally {
      await cleanUp(
        () => homeAssistant?.close(),
        () => test?.stop(),
      );
    }
  });
});
