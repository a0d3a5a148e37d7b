// Cameras end to end: real SMTP → spool → parse → camera profile → snapshot store → a real Mosquitto. The picture
// on `<prefix>/camera/<id>/image` is compared byte for byte with the one that was mailed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { checkDevicePayload } from '../helpers/ha-discovery.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { type Received, Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const prefix = 'alarm-mail-bridge';
const fixtures = new URL('../fixtures/mails/cameras/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, fixtures));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const eventOf = (message: Received) => JSON.parse(message.payload) as Record<string, unknown>;

describe('cameras end to end', () => {
  let broker: Mosquitto;
  let dataDir: string;
  let test: TestBridge;
  let subscriber: Subscriber;
  const jpeg = () => fixture('images/snapshot.jpg');

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-cameras-'));
    test = await startTestBridge({
      mqttUrl: broker.url,
      dataDir,
      smtp: { max_message_kb: 45 * 1024 },
      mqtt: { camera_motion_off_delay: 20 },
      cameras: [{ id: 'garage', name: 'Garage', match_from: 'nvr@cam.local', match_name: 'CAM 2 Garage' }],
    });
    subscriber = await Subscriber.connect(broker.url, ['homeassistant/#', `${prefix}/#`]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('a Dahua mail to camera@ puts its exact picture on the camera image topic, retained, and its event on <prefix>/event', async () => {
    const reply = await sendMail(test.bridge.smtpPort, {
      to: 'Camera@bridge.local',
      from: 'dahua@cam.local',
      raw: await fixture('dahua-motion-base64.eml'),
    });
    assert.match(reply.response, /^250/);
    const image = await subscriber.next(`${prefix}/camera/ipc06/image`);
    assert.deepEqual(image.bytes, await jpeg());
    const event = eventOf(await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('"dahua"')));
    assert.deepEqual(
      {
        source: event.source,
        category: event.category,
        type: event.type,
        alarm_state: event.alarm_state,
        device: event.device,
        sensor: event.sensor,
        device_time: event.device_time,
        phase: event.phase,
      },
      {
        source: 'dahua',
        category: 'status',
        type: 'motion',
        alarm_state: null,
        device: 'ipc06',
        sensor: 'IPC06',
        device_time: '23/12/2021 10:27:46',
        phase: null,
      },
    );
    assert.deepEqual(event.images, [
      { name: 'IPC06_ch1_20211223102746_E.jpg', content_type: 'image/jpeg', size: (await jpeg()).length, sha256: sha256(await jpeg()) },
    ]);
    assert.equal((await subscriber.next(`${prefix}/camera/ipc06/motion`)).payload, 'ON');
    // The panel is not touched by a camera.
    assert.equal(
      subscriber.messages.some((message) => message.topic === `${prefix}/state`),
      false,
    );
    // A late subscriber (Home Assistant after a restart) gets the picture from the broker.
    const late = await Subscriber.connect(broker.url, [`${prefix}/camera/ipc06/image`]);
    try {
      const retained = await late.next(`${prefix}/camera/ipc06/image`);
      assert.deepEqual([retained.retain, sha256(retained.bytes)], [true, sha256(await jpeg())]);
    } finally {
      await late.close();
    }
  });

  it('announces each camera to Home Assistant: motion, image, event and last event, all valid', async () => {
    const config = await subscriber.next('homeassistant/device/alarm_mail_bridge_camera_ipc06/config');
    const payload = JSON.parse(config.payload) as Record<string, unknown>;
    const { problems, entities } = checkDevicePayload(payload);
    assert.deepEqual(problems, []);
    const byPlatform = Object.fromEntries(entities.map((entity) => [entity.platform, entity.config]));
    assert.deepEqual(Object.keys(byPlatform).sort(), ['binary_sensor', 'event', 'image', 'sensor']);
    assert.deepEqual([byPlatform.binary_sensor?.device_class, byPlatform.binary_sensor?.off_delay], ['motion', 20]);
    assert.deepEqual([byPlatform.image?.image_topic, byPlatform.image?.content_type], [`${prefix}/camera/ipc06/image`, 'image/jpeg']);
    assert.ok((byPlatform.event?.event_types as string[] | undefined)?.includes('person'));
    assert.deepEqual((payload.device as Record<string, unknown>).manufacturer, 'Dahua');
  });

  it('a Stop mail turns the motion sensor off at once', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('dahua-motion-start.eml') });
    await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('dahua-motion-stop.eml') });
    const [start, stop] = await subscriber.collect(`${prefix}/camera/hof/motion`, 2);
    assert.deepEqual([start?.payload, stop?.payload], ['ON', 'OFF']);
  });

  it('a vendor mail to the alarm address triggers the panel; the NVR channel is the configured camera', async () => {
    await sendMail(test.bridge.smtpPort, {
      to: 'alarm@bridge.local',
      from: 'nvr@cam.local',
      raw: await fixture('hikvision-dvr-motion.eml'),
    });
    const image = await subscriber.next(`${prefix}/camera/garage/image`);
    assert.deepEqual(image.bytes, await fixture('images/small.jpg'));
    const event = eventOf(await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('"garage"')));
    assert.deepEqual([event.source, event.category, event.alarm_state, event.sensor], ['hikvision', 'alarm', 'triggered', 'Garage']);
    assert.equal((await subscriber.next(`${prefix}/state`)).payload, 'triggered');
  });

  it('hostile pictures are refused, the good ones beside them kept, and the bridge goes on', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('camera-hostile-images.eml') });
    const event = eventOf(await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('"keller"')));
    assert.deepEqual(
      (event.images as { name: string }[]).map((image) => image.name),
      ['mislabelled.png', 'good.jpg'],
    );
    const image = await subscriber.next(`${prefix}/camera/keller/image`);
    assert.deepEqual(image.bytes, await fixture('images/snapshot.png'));
    const warning = test.logs.find((line) => line.msg === 'attachments not kept as pictures');
    assert.deepEqual(warning?.refused, [
      { name: 'fake.jpg', reason: 'not_an_image' },
      { name: 'empty.jpg', reason: 'empty' },
      { name: 'truncated.jpg', reason: 'truncated' },
    ]);
  });

  it('a 30 MB picture is refused by the per-picture limit: its event goes out without it, nothing is stored', async () => {
    const huge = Buffer.alloc(30 * 1024 * 1024, 0x41);
    huge.set([0xff, 0xd8, 0xff], 0);
    huge.set([0xff, 0xd9], huge.length - 2);
    const raw = [
      'From: big@cam.local',
      'Subject: Motion on Dachboden',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Motion detected on camera: Dachboden',
      '--b',
      'Content-Type: image/jpeg; name="huge.jpg"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="huge.jpg"',
      '',
      (huge.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
      '--b--',
      '',
    ].join('\r\n');
    await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw });
    const event = eventOf(await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('"dachboden"')));
    assert.deepEqual(event.images, []);
    const stored = await readdir(join(dataDir, 'snapshots'));
    assert.equal(
      stored.some((name) => name.startsWith(sha256(huge))),
      false,
    );
    // And the next mail is served as before.
    await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('reolink-pet.eml') });
    assert.deepEqual((await subscriber.next(`${prefix}/camera/garten/image`)).bytes, await fixture('images/snapshot.png'));
  });

  it('a picture and nothing else, subject `Alarm:Cam_495920`, is a motion of camera Cam_495920', async () => {
    await sendMail(test.bridge.smtpPort, {
      to: 'camera@bridge.local',
      from: 'cam@cam.local',
      raw: await fixture('camera-picture-only.eml'),
    });
    const event = eventOf(await subscriber.next(`${prefix}/event`, (message) => message.payload.includes('Cam_495920.jpg')));
    assert.deepEqual(
      [event.source, event.category, event.type, event.device, event.sensor],
      ['camera', 'status', 'motion', 'cam_495920', 'Cam_495920'],
    );
    assert.equal((await subscriber.next(`${prefix}/camera/cam_495920/motion`)).payload, 'ON');
    assert.deepEqual((await subscriber.next(`${prefix}/camera/cam_495920/image`)).bytes, await jpeg());
  });

  it('after a restart on a new broker that knows nothing, the cameras and their last pictures are announced again', async () => {
    await test.stop();
    const fresh = await Mosquitto.start();
    const watcher = await Subscriber.connect(fresh.url, ['homeassistant/#', `${prefix}/#`]);
    const restarted = await startTestBridge({
      mqttUrl: fresh.url,
      dataDir,
      cameras: [{ id: 'garage', name: 'Garage', match_from: 'nvr@cam.local', match_name: 'CAM 2 Garage' }],
    });
    try {
      assert.deepEqual((await watcher.next(`${prefix}/camera/ipc06/image`)).bytes, await jpeg());
      assert.deepEqual((await watcher.next(`${prefix}/camera/garage/image`)).bytes, await fixture('images/small.jpg'));
      await watcher.next('homeassistant/device/alarm_mail_bridge_camera_ipc06/config');
    } finally {
      await cleanUp(
        () => watcher.close(),
        () => restarted.stop(),
        () => fresh.stop(),
      );
    }
    test = { ...test, stop: async () => undefined };
  });
});

describe('camera snapshots to Telegram', () => {
  it('a camera mail arrives at the Bot API as a photo with the same bytes; two pictures as an album', async () => {
    const { FakeTelegram } = await import('../helpers/fake-telegram.js');
    const broker = await Mosquitto.start();
    const telegram = await new FakeTelegram().start();
    const test = await startTestBridge({
      mqttUrl: broker.url,
      telegram: { bot_token: telegram.token, chat_ids: [123456789], api_url: telegram.url },
    });
    try {
      await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('reolink-person-rfc2047.eml') });
      await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', raw: await fixture('hikvision-ipc-line-crossing.eml') });
      const [photo, album] = await telegram.deliveredCount(2);
      assert.equal(photo?.method, 'sendPhoto');
      assert.deepEqual(
        photo?.photos.map((received) => received.bytes),
        [await fixture('images/snapshot.jpg')],
      );
      assert.equal(album?.method, 'sendMediaGroup');
      assert.deepEqual(
        album?.photos.map((received) => sha256(received.bytes)),
        [sha256(await fixture('images/snapshot.jpg')), sha256(await fixture('images/small.jpg'))],
      );
      // The default caption names the camera and the event, at the bridge's local time of arrival.
      assert.match(photo?.photos[0]?.caption ?? '', /^Front Door: person \d{2}:\d{2}$/);
      assert.match(album?.photos[0]?.caption ?? '', /^Garten: line crossing \d{2}:\d{2}$/);
    } finally {
      await cleanUp(
        () => test.stop(),
        () => telegram.stop(),
        () => broker.stop(),
      );
    }
  });
});
