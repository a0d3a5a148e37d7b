// Incidents end to end: real Mosquitto, an alarm mail over SMTP, SMS through Twilio's official client against the
// fake Twilio, the status page over HTTP; only the features' clock is the test's, so an escalation's minutes pass at
// once. Unacknowledged, level 2 gets its SMS after its delay; acknowledged with Home Assistant's button (pressed on
// its discovered command topic) or on the status page, level 2 never comes; a restart keeps the incident's timers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import type { StatusView } from '../../src/features/http/api.js';
import { startTestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';
import { TestClock } from '../helpers/test-clock.js';

const minute = 60_000;
const levelOneNumber = '+491701111111';
const levelTwoNumber = '+491702222222';

describe('incidents end to end', () => {
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

  /**
   * A bridge with two levels, its own topic prefix (no retained state of another test's bridge), and the status page.
   * The default SMS recipient is level 2's number, so level 2's SMS reaches it whether the SMS output sends a raised
   * event to its `to` numbers or, as before, to the default recipients.
   */
  async function startBridge(name: string, clock: TestClock, dataDir?: string) {
    const port = await freePort();
    const prefix = `amb-${name}`;
    const test = await startTestBridge({
      mqttUrl: broker.url,
      ...(dataDir ? { dataDir } : {}),
      mqtt: { topic_prefix: prefix, discovery_prefix: `ha-${name}` },
      http: { port },
      sms: {
        provider: 'twilio',
        recipients: [levelTwoNumber],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      incidents: {
        escalation: [
          { after: '5m', sms: [levelOneNumber] },
          { after: '10m', sms: [levelTwoNumber] },
        ],
      },
      clock,
    });
    const subscriber = await Subscriber.connect(broker.url, [`ha-${name}/#`, `${prefix}/#`]);
    const panel = JSON.parse((await subscriber.next(`ha-${name}/device/amb_${name.replace(/-/g, '_')}_xt1/config`)).payload) as {
      components: Record<string, Record<string, string>>;
    };
    const incidentState = String(panel.components.alarm_incident?.state_topic);
    return {
      test,
      subscriber,
      panel,
      api: `http://127.0.0.1:${port}`,
      eventTopic: `${prefix}/event`,
      /** Waits for the "Alarm incident" sensor to show `state` (at `level`, when given). */
      incident: async (state: string, level?: number) => {
        const shows = (payload: string) => {
          const shown = JSON.parse(payload) as { state: string; attributes: Record<string, unknown> };
          return shown.state === state && (level === undefined || shown.attributes.level === level);
        };
        return JSON.parse((await subscriber.next(incidentState, (message) => shows(message.payload))).payload) as {
          state: string;
          attributes: Record<string, unknown>;
        };
      },
    };
  }

  const smsTo = (number: string) => twilio.requests.filter((request) => FakeTwilio.formOf(request).get('To') === number);
  const escalations = (subscriber: Subscriber, topic: string) =>
    subscriber
      .on(topic)
      .map((message) => JSON.parse(message.payload) as AlarmEvent)
      .filter((event) => event.type === 'alarm_escalation');

  it('tells level 2 by SMS after its delay when nobody acknowledges the alarm', async () => {
    const clock = new TestClock(Date.now());
    const bridge = await startBridge('unacked', clock);
    const { test, subscriber, eventTopic } = bridge;
    try {
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:4 Keller, Einbruch' });
      const opened = await bridge.incident('open');
      assert.deepEqual([opened.attributes.alarms, opened.attributes.level], [1, 0]);
      const before = smsTo(levelTwoNumber).length;

      clock.advance(5 * minute);
      const levelOne = JSON.parse(
        (await subscriber.next(eventTopic, (message) => message.payload.includes('"type":"alarm_escalation"'))).payload,
      ) as AlarmEvent;
      assert.deepEqual([levelOne.input, levelOne.category, levelOne.details?.level], ['raised', 'alarm', 1]);
      assert.deepEqual(levelOne.details?.incident, opened.attributes.incident);

      clock.advance(5 * minute);
      const bodies = async () => {
        for (;;) {
          const texts = smsTo(levelTwoNumber).map((request) => FakeTwilio.formOf(request).get('Body') ?? '');
          const found = texts.find((text) => text.startsWith('Alarm nicht quittiert, Stufe 2'));
          if (found) return found;
          await twilio.received(twilio.requests.length + 1);
        }
      };
      assert.match(await bodies(), /^Alarm nicht quittiert, Stufe 2: Zone:4 Keller, Einbruch \d\d:\d\d\.$/);
      assert.ok(smsTo(levelTwoNumber).length > before, 'a new SMS to level 2');
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).details?.level === 2);
      await bridge.incident('open', 2);
      const status = (await (await fetch(`${bridge.api}/api/status`)).json()) as StatusView;
      const incident = status.entities.find(({ id }) => id === 'alarm_incident');
      assert.deepEqual([incident?.state, incident?.attributes.level, incident?.attributes.alarms], ['open', 2, 1]);
      assert.ok(!JSON.stringify(await (await fetch(`${bridge.api}/api/events`)).json()).includes('1702222222'), 'numbers masked');
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => test.stop(),
      );
    }
  });

  it("never reaches level 2 once acknowledged with Home Assistant's button", async () => {
    const clock = new TestClock(Date.now());
    const bridge = await startBridge('button', clock);
    const { test, subscriber, eventTopic, panel } = bridge;
    const before = twilio.requests.length;
    try {
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:4 Keller, Einbruch' });
      await bridge.incident('open');
      clock.advance(5 * minute);
      await subscriber.next(eventTopic, (message) => message.payload.includes('"type":"alarm_escalation"'));

      const button = panel.components.acknowledge_alarm;
      assert.equal(button?.platform, 'button');
      await subscriber.publish(String(button?.command_topic), String(button?.payload_press));
      const acknowledged = await bridge.incident('acknowledged');
      assert.deepEqual([acknowledged.attributes.acknowledged_how, acknowledged.attributes.level], ['button', 1]);

      clock.advance(60 * minute);
      // Events go out in the order they were stored: a level raised by that advance would come before this mail.
      const marker = /Queued as (\S+)/.exec(
        (await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Zone:3 Flur, DC Open' })).response,
      )?.[1];
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === marker);
      assert.deepEqual(
        escalations(subscriber, eventTopic).map((event) => event.details?.level),
        [1],
      );
      assert.ok(!test.logs.some((line) => line.msg === 'escalation level raised' && line.escalationLevel === 2), 'level 2 raised');
      assert.ok(
        !twilio.requests
          .slice(before)
          .some((request) => (FakeTwilio.formOf(request).get('Body') ?? '').startsWith('Alarm nicht quittiert, Stufe 2')),
        'an SMS of level 2',
      );
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => test.stop(),
      );
    }
  });

  it('is acknowledged on the status page, which then shows how; a second press finds nothing open', async () => {
    const clock = new TestClock(Date.now());
    const bridge = await startBridge('page', clock);
    const { test, subscriber } = bridge;
    const press = () =>
      fetch(`${bridge.api}/api/incidents/acknowledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    try {
      const nothing = await press();
      assert.deepEqual([nothing.status, await nothing.json()], [409, { error: 'no open incident' }]);
      await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:4 Keller, Einbruch' });
      await bridge.incident('open');
      const done = await press();
      assert.deepEqual([done.status, await done.json()], [200, { result: 'done' }]);
      await bridge.incident('acknowledged');
      const status = (await (await fetch(`${bridge.api}/api/status`)).json()) as StatusView;
      const incident = status.entities.find(({ id }) => id === 'alarm_incident');
      assert.deepEqual(
        [incident?.state, incident?.attributes.acknowledged_how, incident?.attributes.acknowledged_by],
        ['acknowledged', 'status_page', 'status page'],
      );
      clock.advance(60 * minute);
      assert.ok(!test.logs.some((line) => line.msg === 'escalation level raised'), 'a level raised');
    } finally {
      await cleanUp(
        () => subscriber.close(),
        () => test.stop(),
      );
    }
  });

  it('keeps an open incident across a restart: levels that fell due while it was down are told once each at start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'amb-incidents-restart-'));
    const clock = new TestClock(Date.now());
    const first = await startBridge('restart', clock, dataDir);
    const before = twilio.requests.length;
    try {
      await sendMail(first.test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:4 Keller, Einbruch' });
      await first.incident('open');
    } finally {
      await cleanUp(
        () => first.subscriber.close(),
        () => first.test.stop(),
      );
    }
    clock.advance(12 * minute); // down while both levels fell due
    // Subscribed before the start: the levels due are raised, and published, while the bridge starts.
    const events = await Subscriber.connect(broker.url, ['amb-restart/event']);
    const second = await startBridge('restart', clock, dataDir);
    try {
      const texts = async (count: number) =>
        (await twilio.received(before + count)).slice(before).map((request) => FakeTwilio.formOf(request).get('Body') ?? '');
      // The alarm's own SMS, then level 1's and level 2's, in order.
      const sent = await texts(3);
      assert.deepEqual(
        sent.map((text) => /Stufe (\d)/.exec(text)?.[1] ?? 'alarm'),
        ['alarm', '1', '2'],
      );
      const opened = await second.incident('open');
      clock.advance(60 * minute);
      await events.next(second.eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).details?.level === 2);
      assert.equal(opened.attributes.alarms, 1);
      assert.deepEqual(
        second.test.logs.filter((line) => line.msg === 'escalation level raised').map((line) => line.escalationLevel),
        [1, 2],
        'each level once',
      );
    } finally {
      await cleanUp(
        () => events.close(),
        () => second.subscriber.close(),
        () => second.test.stop(),
        () => rm(dataDir, { recursive: true, force: true }),
      );
    }
  });
});
