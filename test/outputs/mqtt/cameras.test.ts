// Cameras in MQTT: their state from their events, and their discovery, valid for Home Assistant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { cameraDevice, cameraTopicsFor } from '../../../src/outputs/mqtt/camera-discovery.js';
import { cameraChange } from '../../../src/outputs/mqtt/cameras.js';
import { type DiscoveryContext, discoveryPayload } from '../../../src/outputs/mqtt/discovery.js';
import { nodeIdFor, topicsFor } from '../../../src/outputs/mqtt/topics.js';
import { type CameraDescription, catalogOf } from '../../../src/sources/catalog.js';
import { buildProfiles } from '../../../src/sources/registry.js';
import { checkDevicePayload } from '../../helpers/ha-discovery.js';

const description: CameraDescription = {
  manufacturer: 'Dahua',
  model: 'IP camera',
  eventTypes: ['motion', 'person', 'video_loss', 'test'],
  motionTypes: ['motion', 'person'],
};
const context = {
  nodeId: nodeIdFor('alarm-mail-bridge'),
  topics: topicsFor('alarm-mail-bridge', 'homeassistant'),
  version: '1.2.3',
  projectUrl: undefined,
  catalog: catalogOf(buildProfiles([])),
  motionOffDelaySeconds: 30,
  health: [],
  cameraMotionOffDelaySeconds: 20,
} satisfies DiscoveryContext & { cameraMotionOffDelaySeconds: number };

const jpeg = { name: 'a.jpg', content_type: 'image/jpeg', size: 10, sha256: 'a'.repeat(64) };

function event(overrides: Partial<AlarmEvent>): AlarmEvent {
  return {
    id: 'm1',
    time: '2026-11-21T18:03:12.345Z',
    input: 'smtp',
    source: 'dahua',
    category: 'status',
    type: 'motion',
    alarm_state: null,
    zone: null,
    sensor: 'Einfahrt Süd',
    user: null,
    text: 'Alarm Event: Motion Detection',
    from: 'cam@cam.local',
    recipients: ['camera@bridge.local'],
    subject: '',
    device: 'einfahrt_sud',
    images: [jpeg],
    device_time: null,
    phase: null,
    ...overrides,
  };
}

describe('cameraChange', () => {
  it('creates a camera from its first event and turns its motion on', () => {
    assert.deepEqual(cameraChange({}, event({}), description), {
      id: 'einfahrt_sud',
      state: { name: 'Einfahrt Süd', source: 'dahua', image: jpeg },
      rediscover: true,
      motion: 'ON',
      changed: true,
    });
  });

  it('a Stop mail turns motion off at once; types that are no motion leave it alone', () => {
    const cameras = { einfahrt_sud: { name: 'Einfahrt Süd', source: 'dahua', image: jpeg } };
    assert.equal(cameraChange(cameras, event({ phase: 'stop' }), description)?.motion, 'OFF');
    assert.equal(cameraChange(cameras, event({ type: 'person', phase: 'start' }), description)?.motion, 'ON');
    assert.equal(cameraChange(cameras, event({ type: 'video_loss' }), description)?.motion, undefined);
    assert.deepEqual(
      [cameraChange(cameras, event({}), description)?.rediscover, cameraChange(cameras, event({}), description)?.changed],
      [false, false],
    );
    const another = cameraChange(cameras, event({ images: [{ ...jpeg, sha256: 'c'.repeat(64) }] }), description);
    assert.deepEqual([another?.rediscover, another?.changed], [false, true]);
  });

  it('is announced again when its kind of picture changes, and keeps it through a mail without one', () => {
    const cameras = { einfahrt_sud: { name: 'Einfahrt Süd', source: 'dahua', image: jpeg } };
    const png = cameraChange(
      cameras,
      event({ images: [{ name: 'a.png', content_type: 'image/png', size: 1, sha256: 'b'.repeat(64) }] }),
      description,
    );
    assert.deepEqual([png?.state.image?.content_type, png?.rediscover], ['image/png', true]);
    assert.deepEqual(cameraChange(cameras, event({ images: [] }), description)?.state.image, jpeg);
  });

  it('ignores events without a camera, and cameras of a profile the catalog does not describe', () => {
    const { device: _device, images: _images, device_time: _time, phase: _phase, ...panelEvent } = event({});
    assert.equal(cameraChange({}, panelEvent, description), undefined);
    assert.equal(cameraChange({}, event({}), undefined), undefined);
  });
});

describe('cameraDevice', () => {
  const topics = cameraTopicsFor('alarm-mail-bridge', 'einfahrt_sud');

  it('passes the discovery validator with motion, image, event and last-event entities', () => {
    const device = cameraDevice(context, topics, 'einfahrt_sud', { name: 'Einfahrt Süd', source: 'dahua', image: null }, description);
    const { problems, entities } = checkDevicePayload(JSON.parse(discoveryPayload(context, device, {})) as Record<string, unknown>);
    assert.deepEqual(problems, []);
    assert.deepEqual(entities.map((entity) => entity.platform).sort(), ['binary_sensor', 'event', 'image', 'sensor']);
    const byPlatform = Object.fromEntries(entities.map((entity) => [entity.platform, entity.config]));
    assert.deepEqual([byPlatform.binary_sensor?.device_class, byPlatform.binary_sensor?.off_delay], ['motion', 20]);
    assert.deepEqual(
      [byPlatform.image?.image_topic, byPlatform.image?.content_type],
      ['alarm-mail-bridge/camera/einfahrt_sud/image', 'image/jpeg'],
    );
    assert.deepEqual(byPlatform.event?.event_types, ['motion', 'person', 'video_loss', 'test']);
    assert.equal(device.id, 'alarm_mail_bridge_camera_einfahrt_sud');
    assert.deepEqual(device.device, {
      identifiers: ['alarm_mail_bridge_camera_einfahrt_sud'],
      name: 'Einfahrt Süd',
      manufacturer: 'Dahua',
      model: 'IP camera',
      via_device: 'alarm_mail_bridge',
    });
  });

  it('the validator refuses an image entity without a topic or with a content type beside url_topic', () => {
    const device = cameraDevice(
      context,
      topics,
      'x',
      { name: 'X', source: 'dahua', image: { ...jpeg, content_type: 'image/png' } },
      description,
    );
    const { image_topic: _topic, ...noTopic } = device.components.snapshot!;
    const broken = {
      ...device,
      components: { ...device.components, snapshot: noTopic, other: { ...noTopic, url_topic: 'u' } },
    } as typeof device;
    const { problems } = checkDevicePayload(JSON.parse(discoveryPayload(context, broken, {})) as Record<string, unknown>);
    assert.deepEqual(problems, [
      'snapshot: one of image_topic, url_topic is required',
      'other: content_type cannot be used with url_topic',
    ]);
  });
});

describe('CameraPublisher', () => {
  it('reads and sends only the newest of the pictures waiting for the broker, one camera at a time', async () => {
    const { CameraPublisher } = await import('../../../src/outputs/mqtt/camera-publisher.js');
    const { LastValues } = await import('../../../src/outputs/mqtt/last-values.js');
    const { createLogger } = await import('../../../src/log.js');
    const { Writable } = await import('node:stream');
    const cameraCatalog = { ...catalogOf(buildProfiles([])), camera: () => description };
    const read: string[] = [];
    const published: string[] = [];
    const publisher = new CameraPublisher({
      topicPrefix: 'alarm-mail-bridge',
      catalog: cameraCatalog,
      discovery: context,
      file: { read: async () => undefined, save: () => undefined } as never,
      fileReport: { failed: () => undefined, recovered: () => undefined },
      lastValues: new LastValues({ read: async () => undefined, save: () => undefined } as never, {
        failed: () => undefined,
        recovered: () => undefined,
      }),
      images: {
        read: async (image) => {
          read.push(image.sha256);
          return Buffer.from(image.sha256);
        },
      },
      log: createLogger({ level: 'error', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
    });
    let connect: (client: never) => void = () => undefined;
    const client = new Promise<never>((resolve) => (connect = resolve));
    const fake = { publishAsync: async (topic: string, payload: string | Buffer) => void published.push(`${topic} ${payload.length}`) };
    const pictures = ['1', '2', '3'].map((digit) => ({ ...jpeg, sha256: digit.repeat(64) }));
    // Three mails of one camera arrive while the broker is away.
    const waiting = pictures.flatMap((image, index) =>
      publisher.publish(client, event({ id: `m${index}`, images: [image] }), '{}', undefined, []),
    );
    connect(fake as never);
    await Promise.all(waiting);
    assert.deepEqual(read, ['3'.repeat(64)]);
    assert.equal(published.filter((line) => line.startsWith('alarm-mail-bridge/camera/einfahrt_sud/image')).length, 1);
  });
});
