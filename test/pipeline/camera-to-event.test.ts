// Camera mails through eventFromMail: read whole by their profile, pictures stored before the event exists, the
// user's rules and the alarm address as the only ways to the panel.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Envelope } from '../../src/core/envelope.js';
import { parseMail } from '../../src/mail/parse.js';
import { type CameraIntake, eventFromMail } from '../../src/pipeline/to-event.js';
import { SnapshotStore } from '../../src/snapshots/snapshot-store.js';
import { buildProfiles } from '../../src/sources/registry.js';
import type { RuleConfig } from '../../src/sources/rules/config.js';

const routes = { alarm: ['alarm'], status: ['status'], camera: ['camera'] };
const parser = { parse: (raw: Buffer, envelope: Envelope) => parseMail(raw, envelope) };
const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function intake(): Promise<CameraIntake> {
  const folder = await mkdtemp(join(tmpdir(), 'amb-camera-event-'));
  folders.push(folder);
  return { snapshots: await SnapshotStore.open(join(folder, 'snapshots')), cameras: [], addresses: ['camera'] };
}

async function eventOf(fixture: string, recipient: string, cameras: CameraIntake | undefined, rules: RuleConfig[] = []) {
  const raw = await readFile(new URL(`../fixtures/mails/${fixture}`, import.meta.url));
  const envelope = {
    from: 'cam@cam.local',
    recipients: [recipient],
    receivedAt: '2026-11-21T18:03:12.345Z',
    remoteAddress: '192.168.1.20',
  };
  return eventFromMail({ id: 'm1', envelope, raw }, buildProfiles(rules), routes, parser, cameras);
}

describe('eventFromMail for camera mails', () => {
  it('makes a camera event whose images are already in the store', async () => {
    const cameras = await intake();
    const { event } = await eventOf('cameras/reolink-person-rfc2047.eml', 'camera@bridge.local', cameras);
    assert.deepEqual(
      [event.source, event.type, event.category, event.alarm_state, event.device, event.sensor],
      ['reolink', 'person', 'status', null, 'front_door', 'Front Door'],
    );
    assert.equal(event.images?.length, 1);
    assert.ok(await (cameras.snapshots as SnapshotStore).read(event.images![0]!));
  });

  it('a rule of the user decides what a camera text means, and the camera stays named', async () => {
    const rules: RuleConfig[] = [{ match: 'person was detected', type: 'intruder', category: 'alarm', alarm_state: 'triggered' }];
    const { event } = await eventOf('cameras/reolink-person-rfc2047.eml', 'camera@bridge.local', await intake(), rules);
    assert.deepEqual(
      [event.type, event.category, event.alarm_state, event.device, event.images?.length],
      ['intruder', 'alarm', 'triggered', 'front_door', 1],
    );
  });

  it('a Stop mail or a test mail to an alarm address never triggers', async () => {
    const stop = await eventOf('cameras/dahua-motion-stop.eml', 'alarm@bridge.local', await intake());
    const test = await eventOf('cameras/reolink-test.eml', 'alarm@bridge.local', await intake());
    assert.deepEqual([stop.event.alarm_state, test.event.alarm_state, test.event.category], [null, null, 'test']);
  });

  it('a picture that cannot be stored costs the picture, never the event: it goes out without images and says why', async () => {
    const failing: CameraIntake = {
      ...(await intake()),
      snapshots: { put: async () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) },
    };
    const { event, imagesFailed } = await eventOf('cameras/dahua-motion-base64.eml', 'alarm@bridge.local', failing);
    assert.deepEqual([event.source, event.type, event.alarm_state, event.images], ['dahua', 'motion', 'triggered', []]);
    assert.match(imagesFailed ?? '', /ENOSPC/);
  });

  it('a snapshots folder removed by hand still gives the event with its picture', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'amb-camera-event-'));
    folders.push(folder);
    const cameras: CameraIntake = { snapshots: await SnapshotStore.open(join(folder, 'snapshots')), cameras: [], addresses: ['camera'] };
    await rm(join(folder, 'snapshots'), { recursive: true });
    const { event, imagesFailed } = await eventOf('cameras/dahua-motion-base64.eml', 'camera@bridge.local', cameras);
    assert.deepEqual([event.images?.length, imagesFailed], [1, undefined]);
  });

  it('a panel alarm in a camera grammar stays the alarm it was before cameras, with the camera named', async () => {
    const table: [body: string, expected: unknown[]][] = [
      ['Alarm Event: Fire Alarm\r\nAlarm Input Channel: 2\r\n', ['dahua', 'alarm', 'fire', 'triggered', 'Alarm Event: Fire Alarm']],
      ['Alarm Event: Burglary\r\nAlarm Device Name: Panel\r\n', ['dahua', 'alarm', 'intrusion', 'triggered', 'Alarm Event: Burglary']],
      // A camera event the reader knows stays the camera's status.
      ['Alarm Event: Motion Detection\r\nAlarm Input Channel: 1\r\n', ['dahua', 'status', 'motion', null, 'Alarm Event: Motion Detection']],
    ];
    for (const [body, expected] of table) {
      const raw = Buffer.from(`From: nvr@cam.local\r\nTo: status@bridge.local\r\nSubject: Alarm\r\n\r\n${body}`);
      const envelope = {
        from: 'nvr@cam.local',
        recipients: ['status@bridge.local'],
        receivedAt: '2026-11-21T18:03:12.345Z',
        remoteAddress: '192.168.1.20',
      };
      const { event } = await eventFromMail({ id: 'm1', envelope, raw }, buildProfiles([]), routes, parser, await intake());
      assert.deepEqual([event.source, event.category, event.type, event.alarm_state, event.text], expected, body);
      assert.ok(event.device, 'still a camera event');
    }
  });

  it('a picture and nothing else, mailed to the camera address, is a motion of the camera its subject names', async () => {
    const { event } = await eventOf('cameras/camera-picture-only.eml', 'camera@bridge.local', await intake());
    assert.deepEqual(
      [event.source, event.category, event.type, event.alarm_state, event.device, event.sensor, event.images?.length],
      ['camera', 'status', 'motion', null, 'cam_495920', 'Cam_495920', 1],
    );
  });

  it('a bare picture is a motion only when no words say otherwise: a panel text keeps its meaning, no picture stays unknown', async () => {
    const fire = await eventOf('camera-html-jpeg-attachment.eml', 'camera@bridge.local', await intake());
    assert.deepEqual([fire.event.source, fire.event.type], ['camera', 'fire']);
    const raw = Buffer.from('From: cam@cam.local\r\nTo: camera@bridge.local\r\nSubject: Alarm:Cam_495920\r\n\r\n');
    const envelope = {
      from: 'cam@cam.local',
      recipients: ['camera@bridge.local'],
      receivedAt: '2026-11-21T18:03:12.345Z',
      remoteAddress: '192.168.1.20',
    };
    const { event } = await eventFromMail({ id: 'm1', envelope, raw }, buildProfiles([]), routes, parser, await intake());
    assert.deepEqual([event.type, event.device], ['unknown', 'cam_495920']);
  });

  it('reports the attachments it did not keep', async () => {
    const { refusedImages } = await eventOf('cameras/camera-hostile-images.eml', 'camera@bridge.local', await intake());
    assert.deepEqual(
      refusedImages?.map((refused) => refused.reason),
      ['not_an_image', 'empty', 'truncated'],
    );
  });

  it('without cameras wired, a camera mail is classified as before', async () => {
    const { event } = await eventOf('cameras/dahua-motion-base64.eml', 'status@bridge.local', undefined);
    assert.deepEqual([event.source, event.type, 'device' in event], ['generic', 'unknown', false]);
  });
});
