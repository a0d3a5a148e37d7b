// Which mails are camera mails, over the fixtures through the real parseMail.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { Route } from '../../src/core/event.js';
import { parseMail } from '../../src/mail/parse.js';
import { type CameraMailSettings, readCameraMail } from '../../src/sources/camera/camera-mail.js';
import { cameraConfig } from '../../src/sources/camera/identity.js';
import { buildProfiles } from '../../src/sources/registry.js';

const settings: CameraMailSettings = {
  profiles: buildProfiles([]),
  addresses: ['camera', 'garage'],
  cameras: [
    cameraConfig.parse({ id: 'garage', name: 'Garage', match_recipient: 'garage' }),
    cameraConfig.parse({ id: 'nvr_garage', name: 'Garage (NVR)', match_from: 'nvr@cam.local', match_name: 'CAM 2 Garage' }),
  ],
};

async function read(fixture: string, recipients: string[], route: Route) {
  const mail = await parseMail(await readFile(new URL(`../fixtures/mails/${fixture}`, import.meta.url)), {
    from: 'nvr@cam.local',
    recipients,
    receivedAt: '2026-11-21T18:03:12.345Z',
    remoteAddress: '127.0.0.1',
  });
  const found = readCameraMail(mail, route, settings);
  return found && { source: found.source, type: found.reading.type, camera: found.camera.id };
}

describe('readCameraMail', () => {
  it('a vendor reads its mail whatever address it came to', async () => {
    assert.deepEqual(await read('cameras/dahua-nvr-ivs-tripwire.eml', ['alarm@bridge.local'], 'alarm'), {
      source: 'dahua',
      type: 'line_crossing',
      camera: 'einfahrt_sud',
    });
    assert.deepEqual(await read('cameras/reolink-pet.eml', ['status@bridge.local'], 'status'), {
      source: 'reolink',
      type: 'animal',
      camera: 'garten',
    });
  });

  it('a configured camera by sender and the NVR channel name', async () => {
    assert.deepEqual(await read('cameras/hikvision-dvr-motion.eml', ['camera@bridge.local'], 'camera'), {
      source: 'hikvision',
      type: 'motion',
      camera: 'nvr_garage',
    });
  });

  it('a mail to a camera address no vendor claims goes to the generic camera reader', async () => {
    assert.deepEqual(await read('cameras/synology-motion-latin1.eml', ['camera@bridge.local'], 'camera'), {
      source: 'camera',
      type: 'motion',
      camera: 'gartenhutte',
    });
    assert.deepEqual(await read('camera-html-jpeg-attachment.eml', ['alarm@bridge.local', 'Garage@bridge.local'], 'alarm'), {
      source: 'camera',
      type: 'unknown',
      camera: 'garage',
    });
  });

  it('two cameras behind one sender are two cameras when their texts name them; a configured camera still wins', async () => {
    assert.deepEqual(await read('cameras/shared-sender-hof.eml', ['camera@bridge.local'], 'camera'), {
      source: 'camera',
      type: 'motion',
      camera: 'hof',
    });
    assert.deepEqual(await read('cameras/shared-sender-garten.eml', ['camera@bridge.local'], 'camera'), {
      source: 'camera',
      type: 'motion',
      camera: 'garten',
    });
    assert.deepEqual(await read('cameras/foscam-ipcamera-motion.eml', ['camera@bridge.local'], 'camera'), {
      source: 'camera',
      type: 'motion',
      camera: 'fi9821p_wohnzimmer',
    });
    assert.deepEqual(await read('cameras/reolink-old-firmware-one-line.eml', ['camera@bridge.local'], 'camera'), {
      source: 'reolink',
      type: 'motion',
      camera: 'werkstatt',
    });
    assert.deepEqual(await read('cameras/reolink-test-carport.eml', ['camera@bridge.local'], 'camera'), {
      source: 'reolink',
      type: 'test',
      camera: 'carport',
    });
    assert.deepEqual(await read('cameras/reolink-old-firmware-one-line.eml', ['garage@bridge.local'], 'camera'), {
      source: 'reolink',
      type: 'motion',
      camera: 'garage',
    });
  });

  it('a panel mail, or a camera-like mail to the alarm address, is no camera mail', async () => {
    assert.equal(await read('xt1-utf8-8bit.eml', ['alarm@bridge.local'], 'alarm'), undefined);
    assert.equal(await read('camera-html-jpeg-attachment.eml', ['alarm@bridge.local'], 'alarm'), undefined);
    assert.equal(await read('cameras/axis-html-octet-stream.eml', ['status@bridge.local'], 'status'), undefined);
  });
});
