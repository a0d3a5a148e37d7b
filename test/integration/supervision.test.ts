// End to end with the features' clock moved by the test: the panel silent past its interval turns on its "Panel
// silent" problem sensor (found by Home Assistant through discovery, its state on MQTT and on the status page) and
// sends exactly one SMS, through Twilio's official client against the fake; its next mail turns the sensor off and
// raises `source_back` (a status event: on MQTT, no SMS by the default send_on).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import type { StatusView } from '../../src/features/http/api.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { checkDevicePayload } from '../helpers/ha-discovery.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';
import { TestClock } from '../helpers/test-clock.js';

const prefix = 'alarm-mail-bridge';
const hour = 3_600_000;

describe('supervision end to end', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
  });
  after(() =>
    cleanUp(
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  it('turns on the problem sensor and sends exactly one SMS when the panel stays silent past its interval; its next mail clears it', async () => {
    const clock = new TestClock();
    clock.time = Date.now();
    const port = await freePort();
    let test: TestBridge | undefined;
    let homeAssistant: Subscriber | undefined;
    try {
      homeAssistant = await Subscriber.connect(broker.url, ['homeassistant/#', `${prefix}/#`]);
      test = await startTestBridge({
        mqttUrl: broker.url,
        clock,
        supervision: { panel_silent_after: '1h' },
        http: { port },
        sms: {
          provider: 'twilio',
          recipients: ['0170 1234567'],
          sender: '+15005550006',
          api_url: twilio.url,
          twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
        },
      });
      const panel = JSON.parse(
        (
          await homeAssistant.next('homeassistant/device/alarm_mail_bridge_xt1/config', (message) =>
            message.payload.includes('panel_silent'),
          )
        ).payload,
      ) as Record<string, unknown> & { components: Record<string, Record<string, unknown>> };
      assert.deepEqual(checkDevicePayload(panel).problems, []);
      const sensor = panel.components.panel_silent;
      assert.deepEqual(
        [sensor?.platform, sensor?.name, sensor?.device_class, sensor?.unique_id],
        ['binary_sensor', 'Panel silent', 'problem', 'alarm_mail_bridge_xt1_panel_silent'],
      );
      const stateTopic = String(sensor?.state_topic);
      const stateOf = (payload: string) => (JSON.parse(payload) as { state: string }).state;
      await homeAssistant.next(stateTopic, (message) => stateOf(message.payload) === 'OFF');

      const smsBefore = twilio.requests.length;
      clock.advance(hour);
      const on = await homeAssistant.next(stateTopic, (message) => stateOf(message.payload) === 'ON');
      const [silentSms] = (await twilio.received(smsBefore + 1)).slice(smsBefore);
      assert.equal(FakeTwilio.formOf(silentSms!).get('Body'), 'Panel silent: no mail for 60 min');
      const silentEvent = await homeAssistant.next(`${prefix}/event`, (message) => message.payload.includes('source_silent'));
      assert.deepEqual(pick(JSON.parse(silentEvent.payload) as AlarmEvent), {
        input: 'raised',
        source: 'supervision',
        category: 'trouble',
        type: 'source_silent',
        silent_for_s: 3600,
      });
      const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as StatusView;
      assert.deepEqual(
        status.entities.map(({ id, state, device_class: deviceClass }) => [id, state, deviceClass]),
        [
          ['panel_silent', 'ON', 'problem'],
          ['alarm_incident', 'none', 'enum'],
        ],
      );
      // However long the silence lasts, it was told once.
      clock.advance(5 * hour);

      await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Arm' });
      const received = homeAssistant.messages;
      await homeAssistant.next(
        stateTopic,
        (message) => stateOf(message.payload) === 'OFF' && received.indexOf(message) > received.indexOf(on),
      );
      const backEvent = await homeAssistant.next(`${prefix}/event`, (message) => message.payload.includes('source_back'));
      assert.deepEqual(pick(JSON.parse(backEvent.payload) as AlarmEvent), {
        input: 'raised',
        source: 'supervision',
        category: 'status',
        type: 'source_back',
        silent_for_s: 6 * 3600,
      });
      // The barrier: an alarm's SMS after the "back" event; the outbox sends in order, so nothing came between.
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
      const bodies = (await twilio.received(smsBefore + 2)).slice(smsBefore).map((request) => FakeTwilio.formOf(request).get('Body'));
      assert.deepEqual(bodies, ['Panel silent: no mail for 60 min', 'Zone:1 Terrasse, Innenbereich Alarm']);
    } finally {
      await cleanUp(
        () => homeAssistant?.close(),
        () => test?.stop(),
      );
    }
  });
});

function pick({ input, source, category, type, details }: AlarmEvent): Record<string, unknown> {
  return { input, source, category, type, silent_for_s: details?.silent_for_s };
}
