// The whole path on real parts: SMTP client over TCP → bridge → real Mosquitto → real subscriber.
import assert from 'node:assert/strict';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { bodiesWithBytes, readJournal } from '../helpers/journal.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { replyCode, sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';

function queuedId(response: string): string {
  const id = /Queued as (\S+)/.exec(response)?.[1];
  assert.ok(id, `no id in "${response}"`);
  return id;
}

describe('spine: SMTP → spool → event → MQTT', () => {
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url });
    subscriber = await Subscriber.connect(broker.url, [`${prefix}/#`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
    ),
  );

  async function eventFor(response: string): Promise<AlarmEvent> {
    const id = queuedId(response);
    const message = await subscriber.next(`${prefix}/event`, (m) => (JSON.parse(m.payload) as AlarmEvent).id === id);
    assert.equal(message.retain, false, 'events are never retained');
    return JSON.parse(message.payload) as AlarmEvent;
  }

  it('announces itself online, retained', async () => {
    const availability = await subscriber.next(`${prefix}/availability`);
    assert.equal(availability.payload, 'online');
  });

  it('turns an XT1 alarm line into one intrusion event, the triggered state and the last event', async () => {
    const { response } = await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    assert.match(response, /^250 /);
    const event = await eventFor(response);
    assert.deepEqual(
      { ...event, time: undefined },
      {
        id: queuedId(response),
        time: undefined,
        input: 'smtp',
        source: 'xt1',
        category: 'alarm',
        type: 'intrusion',
        alarm_state: 'triggered',
        zone: 1,
        sensor: 'Terrasse',
        user: null,
        text: 'Zone:1 Terrasse, Innenbereich Alarm',
        from: 'xt1@panel.local',
        recipients: ['alarm@bridge.local'],
        subject: '',
      },
    );
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    const lastEvent = await subscriber.next(`${prefix}/last_event`, (m) => (JSON.parse(m.payload) as AlarmEvent).id === event.id);
    assert.deepEqual(JSON.parse(lastEvent.payload), event);
    assert.equal((await subscriber.next(`${prefix}/state`, (m) => m.payload === 'triggered')).payload, 'triggered');
  });

  it('keeps the state and the last event retained for a subscriber that comes later', async () => {
    const { response } = await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Zone:3 Haustür, DC Open - Mobility' });
    const event = await eventFor(response);
    const late = await Subscriber.connect(broker.url, [`${prefix}/state`, `${prefix}/last_event`]);
    try {
      const lastEvent = await late.next(`${prefix}/last_event`);
      assert.equal(lastEvent.retain, true);
      assert.equal((JSON.parse(lastEvent.payload) as AlarmEvent).id, event.id);
      const state = await late.next(`${prefix}/state`);
      assert.equal(state.retain, true);
      assert.equal(state.payload, 'triggered', 'a door opening does not change the alarm state');
    } finally {
      await late.close();
    }
  });

  it("ends triggered with a user's arm or disarm line, the panel's own word about its mode", async () => {
    const arm = await eventFor((await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Arm' })).response);
    assert.deepEqual([arm.type, arm.alarm_state], ['armed_away', 'armed_away']);
    await subscriber.next(`${prefix}/state`, (m) => m.payload === 'armed_away');
    const disarm = await eventFor(
      (await sendMail(test.bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Disarm' })).response,
    );
    assert.deepEqual([disarm.type, disarm.alarm_state, disarm.user], ['disarmed', 'disarmed', 'Benutzer 1']);
    await subscriber.next(`${prefix}/state`, (m) => m.payload === 'disarmed');
  });

  it('routes on the envelope recipient, not on the To: header', async () => {
    const toStatus = await eventFor(
      (
        await sendMail(test.bridge.smtpPort, {
          to: 'status@bridge.local',
          body: 'Etwas Unbekanntes',
          headers: { To: 'alarm@bridge.local' },
        })
      ).response,
    );
    assert.deepEqual([toStatus.type, toStatus.category, toStatus.alarm_state], ['unknown', 'status', null]);
    const toAlarm = await eventFor(
      (
        await sendMail(test.bridge.smtpPort, {
          to: 'ALARM@bridge.local',
          body: 'Etwas Unbekanntes',
          headers: { To: 'status@bridge.local' },
        })
      ).response,
    );
    assert.deepEqual([toAlarm.type, toAlarm.category, toAlarm.alarm_state], ['alarm', 'alarm', 'triggered']);
  });

  it('publishes a burst in arrival order, also when a large mail is read back from disk among small ones', async () => {
    const snapshot = Buffer.alloc(400 * 1024, 7)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const large = `From: cam@local\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nZone:9 Einfahrt, IR Activity - Mobility\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n${snapshot}\r\n--b--\r\n`;
    // 10 clients at once: max_clients_per_address.
    const mails = Array.from({ length: 10 }, (_, index) =>
      index % 4 === 1
        ? { to: 'status@bridge.local', raw: large }
        : { to: 'status@bridge.local', body: `Zone:${index + 10} Fenster ${index}, DC Open - Mobility` },
    );
    const sent = (await Promise.all(mails.map((mail) => sendMail(test.bridge.smtpPort, mail)))).map(({ response }) => queuedId(response));
    for (const id of sent) await eventFor(`Queued as ${id}`);
    const accepted = test.logs
      .filter((line) => line.msg === 'mail accepted' && sent.includes(String(line.mailId)))
      .map((line) => line.mailId);
    const published = subscriber.messages
      .map((message) => message.topic === `${prefix}/event` && (JSON.parse(message.payload) as AlarmEvent).id)
      .filter((id) => id && sent.includes(id));
    assert.deepEqual(published, accepted, 'events go out in the order the mails were accepted');
    assert.deepEqual(published, [...sent].sort(), 'which is the order of their ids, the order a replay after a crash takes');
  });

  it('reports a mail it cannot parse as an unparsed event and keeps it in quarantine', async () => {
    // mailparser refuses a header over 1 MB (its maxHeadSize)
    const raw = `From: xt1@panel.local\r\nX-Filler: ${'a'.repeat(1_100_000)}\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n`;
    const { response } = await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', raw });
    const event = await eventFor(response);
    assert.deepEqual([event.type, event.category], ['unparsed', 'alarm']);
    const quarantine = join(test.dataDir, 'quarantine');
    while (!(await readdir(quarantine)).includes(`${event.id}.eml`)) await setImmediate();
    while ((await readJournal(test.dataDir)).pending.includes(event.id)) await setImmediate();
    assert.ok(
      (await readJournal(test.dataDir)).records.some((record) => record.id === event.id),
      'it was in the spool',
    );
  });

  it('refuses a mail over max_message_kb with 552 and keeps nothing of it', async () => {
    const body = 'x'.repeat(test.config.smtp.max_message_kb * 1024 + 10);
    const before = await readJournal(test.dataDir);
    // Bodies of earlier tests' mails may still be there (retired a moment after their delivery): only a new one counts.
    const bodiesBefore = new Set(await bodiesWithBytes(test.dataDir));
    await assert.rejects(sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body }), (error) => replyCode(error) === 552);
    assert.deepEqual(
      (await bodiesWithBytes(test.dataDir)).filter((name) => !bodiesBefore.has(name)),
      [],
      'no body file',
    );
    assert.deepEqual((await readJournal(test.dataDir)).records, before.records, 'no record');
  });

  it('answers 451 while the spool cannot store, and 250 again once it can', async () => {
    const journal = join(test.dataDir, 'spool', 'journal');
    await rename(journal, `${journal}.away`);
    await writeFile(journal, 'not a folder'); // as root, chmod cannot make a folder unwritable
    try {
      await assert.rejects(
        sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:2 Flur, Innenbereich Alarm' }),
        (error) => replyCode(error) === 451,
      );
    } finally {
      await rm(journal);
      await rename(`${journal}.away`, journal);
    }
    const { response } = await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:2 Flur, Innenbereich Alarm' });
    assert.equal((await eventFor(response)).sensor, 'Flur');
  });
});
