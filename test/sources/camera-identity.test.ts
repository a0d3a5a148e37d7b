// Which camera a mail is from: the user's list first, then the mail's own name, then the sender.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CameraClues,
  type CameraConfig,
  CameraRoster,
  cameraConfig,
  identifyCamera,
  nameWithoutTime,
  slugOf,
} from '../../src/sources/camera/identity.js';

const cameras: CameraConfig[] = [
  cameraConfig.parse({ id: 'garage', name: 'Garage', match_from: 'nvr@cam.local', match_name: 'CAM 2 Garage' }),
  cameraConfig.parse({ id: 'hof', name: 'Hof', match_recipient: 'Hof' }),
  cameraConfig.parse({ id: 'front', name: 'Front Door' }),
  cameraConfig.parse({ id: 'einfahrt', name: 'Einfahrt', match_from: 'IPC-Einfahrt@cam.local' }),
];

function clues(overrides: Partial<CameraClues>): CameraClues {
  return { recipients: ['camera@bridge.local'], from: 'someone@cam.local', cameraName: null, ...overrides };
}

describe('identifyCamera', () => {
  const table: [string, Partial<CameraClues>, { id: string; name: string; configured: boolean }][] = [
    [
      'an NVR channel by sender and name',
      { from: 'nvr@cam.local', cameraName: 'cam 2 garage' },
      { id: 'garage', name: 'Garage', configured: true },
    ],
    [
      'the same NVR, another channel: not the garage',
      { from: 'nvr@cam.local', cameraName: 'CAM 4 Hof' },
      { id: 'cam_4_hof', name: 'CAM 4 Hof', configured: false },
    ],
    ['a recipient local part, any case, any domain', { recipients: ['HOF@bridge.local'] }, { id: 'hof', name: 'Hof', configured: true }],
    ['a configured name without match_*', { cameraName: 'front door' }, { id: 'front', name: 'Front Door', configured: true }],
    ['a configured id without match_*', { cameraName: 'Front' }, { id: 'front', name: 'Front Door', configured: true }],
    ['a whole sender address, any case', { from: 'ipc-einfahrt@CAM.local' }, { id: 'einfahrt', name: 'Einfahrt', configured: true }],
    ['an unknown camera by its name', { cameraName: 'Einfahrt Süd' }, { id: 'einfahrt_sud', name: 'Einfahrt Süd', configured: false }],
    [
      'an unknown camera without a name: the sender',
      { from: 'ipc-garten@cam.local' },
      { id: 'ipc_garten_cam_local', name: 'ipc-garten@cam.local', configured: false },
    ],
    ['nothing at all', { from: '' }, { id: 'camera', name: 'camera', configured: false }],
  ];
  for (const [what, given, expected] of table) {
    it(what, () => assert.deepEqual(identifyCamera(clues(given), cameras), expected));
  }

  it('the first configured camera that matches wins', () => {
    const both = [
      cameraConfig.parse({ id: 'a', name: 'A', match_from: 'x@y' }),
      cameraConfig.parse({ id: 'b', name: 'B', match_from: 'x@y' }),
    ];
    assert.equal(identifyCamera(clues({ from: 'x@y' }), both).id, 'a');
  });
});

describe('slugOf', () => {
  it('is safe for topics and entity ids, and stable', () => {
    assert.equal(slugOf('CAM 2 Garage'), 'cam_2_garage');
    assert.equal(slugOf('  Straße / Tor #1 '), 'strasse_tor_1');
    assert.equal(slugOf('前门'), slugOf('前门'));
    assert.match(slugOf('前门'), /^camera_[0-9a-f]{8}$/);
    assert.notEqual(slugOf('前门'), slugOf('后门'));
    assert.match(slugOf('x'.repeat(300)), /^x{31}_[0-9a-f]{8}$/);
    assert.equal(slugOf('x'.repeat(40)), 'x'.repeat(40));
    assert.match(slugOf('a/+/#'), /^[a-z0-9_]+$/);
  });
});

describe('camera names with a time after them', () => {
  const table: [string, string][] = [
    ['Garage 2024-01-01 10:00:01', 'Garage'],
    ['Hof at 10:00:01', 'Hof'],
    ['Einfahrt um 10:00 Uhr', 'Einfahrt'],
    ['Tor 01.01.2024 10:00', 'Tor'],
    ['Garten (10:00:01)', 'Garten'],
    ['Front 2024-01-01T10:00:01Z', 'Front'],
    ['CAM 2 Garage', 'CAM 2 Garage'],
    ['Camera 2', 'Camera 2'],
    ['2', '2'],
    ['2024-01-01 10:00:01', ''],
  ];
  for (const [name, expected] of table) it(`${name} → ${expected}`, () => assert.equal(nameWithoutTime(name), expected));

  it('one camera for mails of one camera at different times', () => {
    const roster = new CameraRoster();
    const ids = ['Garage 2024-01-01 10:00:01', 'Garage 2024-01-01 10:05:17', 'Garage at 11:00:00'].map((name) =>
      identifyCamera(clues({ cameraName: name }), [], roster),
    );
    assert.deepEqual(new Set(ids.map((identity) => `${identity.id}/${identity.name}`)), new Set(['garage/Garage']));
  });
});

describe('CameraRoster', () => {
  it('makes up at most its cap of cameras; mails of further names go to unknown_camera, known ones keep theirs', () => {
    const roster = new CameraRoster(32);
    for (let index = 0; index < 32; index += 1)
      assert.equal(identifyCamera(clues({ cameraName: `Cam ${index}` }), [], roster).id, `cam_${index}`);
    assert.deepEqual(identifyCamera(clues({ cameraName: 'Cam 32' }), [], roster), {
      id: 'unknown_camera',
      name: 'Unknown camera',
      configured: false,
    });
    assert.equal(identifyCamera(clues({ cameraName: 'Cam 5' }), [], roster).id, 'cam_5');
    // Configured cameras are never capped.
    assert.equal(identifyCamera(clues({ cameraName: 'Front Door' }), cameras, roster).id, 'front');
  });

  it('two long names alike in their first 40 characters stay two cameras', () => {
    const start = 'Surveillance Station Camera Front Entrance Left';
    assert.notEqual(slugOf(`${start} A`), slugOf(`${start} B`));
    assert.ok(slugOf(`${start} A`).length <= 40);
  });
});

describe('cameraConfig', () => {
  it('refuses ids that would break topics or entity ids', () => {
    assert.equal(cameraConfig.safeParse({ id: 'Garage Tor', name: 'x' }).success, false);
    assert.equal(cameraConfig.safeParse({ id: 'a/#', name: 'x' }).success, false);
    assert.equal(cameraConfig.safeParse({ id: 'garage', name: 'x', extra: 1 }).success, false);
  });
});
