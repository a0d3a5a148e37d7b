// The camera readers over the camera fixtures through the real parseMail: who claims a mail, and what it reads.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { Mail } from '../../src/mail/mail.js';
import { parseMail } from '../../src/mail/parse.js';
import { genericCameraReader } from '../../src/sources/camera/generic.js';
import type { CameraReader, CameraReading } from '../../src/sources/camera/reading.js';
import { dahuaReader } from '../../src/sources/dahua/read.js';
import { hikvisionReader } from '../../src/sources/hikvision/read.js';
import { reolinkReader } from '../../src/sources/reolink/read.js';

const envelope = {
  from: 'cam@cam.local',
  recipients: ['camera@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const vendors: readonly CameraReader[] = [hikvisionReader, dahuaReader, reolinkReader];

async function fixture(path: string): Promise<Mail> {
  return parseMail(await readFile(new URL(`../fixtures/mails/${path}`, import.meta.url)), envelope);
}

type Expected = Omit<CameraReading, 'text'> & { reader: string; text?: string };

const table: Record<string, Expected> = {
  'hikvision-ipc-motion-gb2312.eml': {
    reader: 'hikvision',
    type: 'motion',
    camera: '前门',
    phase: null,
    deviceTime: '2015-05-22,14:52:18',
    text: 'EVENT TYPE:    Motion Detection',
  },
  'hikvision-ipc-line-crossing.eml': {
    reader: 'hikvision',
    type: 'line_crossing',
    camera: 'Garten',
    phase: null,
    deviceTime: '2021-08-03,22:01:05',
  },
  'hikvision-ipc-intrusion-vehicle.eml': {
    reader: 'hikvision',
    type: 'intrusion_area',
    camera: 'Einfahrt',
    phase: null,
    deviceTime: '2021-08-04,06:30:59',
  },
  'hikvision-dvr-motion.eml': {
    reader: 'hikvision',
    type: 'motion',
    camera: 'CAM 2 Garage',
    phase: null,
    deviceTime: '2015-05-22,14:52:18',
  },
  'hikvision-dvr-video-loss.eml': {
    reader: 'hikvision',
    type: 'video_loss',
    camera: 'CAM 4 Hof',
    phase: null,
    deviceTime: '2015-05-23,03:00:01',
  },
  'hikvision-ipc-tamper-html.eml': { reader: 'hikvision', type: 'tamper', camera: 'Flur', phase: null, deviceTime: '2022-02-01,12:00:00' },
  'dahua-motion-base64.eml': {
    reader: 'dahua',
    type: 'motion',
    camera: 'IPC06',
    phase: null,
    deviceTime: '23/12/2021 10:27:46',
    text: 'Alarm Event: Motion Detection',
  },
  'dahua-nvr-ivs-tripwire.eml': {
    reader: 'dahua',
    type: 'line_crossing',
    camera: 'Einfahrt Süd',
    phase: null,
    deviceTime: '02/01/2022 23:59:01',
  },
  'dahua-motion-start.eml': { reader: 'dahua', type: 'motion', camera: 'Hof', phase: 'start', deviceTime: '23/12/2021 10:27:46' },
  'dahua-motion-stop.eml': { reader: 'dahua', type: 'motion', camera: 'Hof', phase: 'stop', deviceTime: '23/12/2021 10:28:16' },
  'amcrest-human-html-inline.eml': {
    reader: 'dahua',
    type: 'person',
    camera: 'AMC-Terrasse',
    phase: null,
    deviceTime: '05/06/2022 07:08:09',
  },
  'reolink-person-rfc2047.eml': {
    reader: 'reolink',
    type: 'person',
    camera: 'Front Door',
    phase: null,
    deviceTime: '2023/1/4 09:10:11',
    text: 'Person Detected by Front Door at 2023/1/4 09:10:11',
  },
  'reolink-nvr-vehicle-html.eml': {
    reader: 'reolink',
    type: 'vehicle',
    camera: 'Einfahrt Süd',
    phase: null,
    deviceTime: '2023/1/4 18:00:02',
  },
  'reolink-pet.eml': { reader: 'reolink', type: 'animal', camera: 'Garten', phase: null, deviceTime: '2023/2/1 12:00:00' },
  'reolink-test.eml': { reader: 'reolink', type: 'test', camera: 'Front Door', phase: null, deviceTime: null },
  'synology-motion-latin1.eml': {
    reader: 'camera',
    type: 'motion',
    camera: 'Gartenhütte',
    phase: null,
    deviceTime: '04.01.2023 09:10:11',
    text: 'Camera Gartenhütte on DS918 has detected motion',
  },
  'axis-html-octet-stream.eml': { reader: 'camera', type: 'motion', camera: 'Carport', phase: null, deviceTime: null },
  'camera-hostile-images.eml': { reader: 'camera', type: 'motion', camera: 'Keller', phase: null, deviceTime: null },
  // Issue 18: cameras that name themselves in their own words.
  'reolink-old-firmware-one-line.eml': {
    reader: 'reolink',
    type: 'motion',
    camera: 'Werkstatt',
    phase: null,
    deviceTime: null,
    text: 'Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, Alarm Input Channel No.:1, Alarm Device Name:Werkstatt',
  },
  'reolink-test-carport.eml': {
    reader: 'reolink',
    type: 'test',
    camera: 'Carport',
    phase: null,
    deviceTime: null,
    text: 'This is a test mail from your camera Carport.',
  },
  'foscam-ipcamera-motion.eml': { reader: 'camera', type: 'motion', camera: 'FI9821P_Wohnzimmer', phase: null, deviceTime: null },
  'shared-sender-hof.eml': { reader: 'camera', type: 'motion', camera: 'Hof', phase: null, deviceTime: null },
  'shared-sender-garten.eml': { reader: 'camera', type: 'motion', camera: 'Garten', phase: null, deviceTime: null },
  // Its words say nothing: what a bare picture means is decided with the panel profiles (pipeline/to-event.ts).
  'camera-picture-only.eml': {
    reader: 'camera',
    type: 'unknown',
    camera: 'Cam_495920',
    phase: null,
    deviceTime: null,
    text: 'Alarm:Cam_495920',
  },
};

describe('camera readers', () => {
  it('have a row for every camera fixture', async () => {
    const files = (await readdir(new URL('../fixtures/mails/cameras/', import.meta.url))).filter((name) => name.endsWith('.eml'));
    assert.deepEqual(files.sort(), Object.keys(table).sort());
  });

  for (const [file, expected] of Object.entries(table)) {
    it(`${file}: claimed by ${expected.reader}, read as ${expected.type} of ${expected.camera}`, async () => {
      const mail = await fixture(`cameras/${file}`);
      const claimedBy = vendors.filter((reader) => reader.claims(mail)).map((reader) => reader.name);
      assert.deepEqual(claimedBy, expected.reader === 'camera' ? [] : [expected.reader]);
      const reader = vendors.find((candidate) => candidate.name === expected.reader) ?? genericCameraReader;
      const { text, ...reading } = reader.read(mail);
      const { reader: _reader, text: expectedText, ...rest } = expected;
      assert.deepEqual(reading, rest);
      if (expectedText) assert.equal(text, expectedText);
      else assert.ok(text.length > 0);
    });
  }

  it('no vendor claims the panel fixtures, nor does the generic reader claim anything by itself', async () => {
    const panels = (await readdir(new URL('../fixtures/mails/', import.meta.url))).filter((name) => name.endsWith('.eml'));
    assert.ok(panels.length >= 10);
    for (const file of panels) {
      const mail = await fixture(file);
      for (const reader of [...vendors, genericCameraReader]) assert.equal(reader.claims(mail), false, `${reader.name} claims ${file}`);
    }
  });

  it('a motion mail of a model that tells humans from vehicles reads as person or vehicle', () => {
    const mail = (target: string): Mail => ({
      envelope,
      headerFrom: '',
      subject: '',
      mailer: 'HIKMailer',
      text: `EVENT TYPE: Motion Detection\nTARGET TYPE: ${target}\n`,
      attachments: [],
    });
    assert.equal(hikvisionReader.read(mail('Human')).type, 'person');
    assert.equal(hikvisionReader.read(mail('Vehicle')).type, 'vehicle');
  });

  it('an unknown event word is unknown, and the camera still named', () => {
    const mail: Mail = {
      envelope,
      headerFrom: '',
      subject: 'x',
      text: 'Alarm Event: Disk Full\nAlarm Device Name: IPC06\n',
      attachments: [],
    };
    assert.equal(dahuaReader.claims(mail), true);
    assert.deepEqual([dahuaReader.read(mail).type, dahuaReader.read(mail).camera], ['unknown', 'IPC06']);
  });

  it('a camera named "Testkamera" still reports motion; a whole-word test is a test', () => {
    const read = (text: string) => genericCameraReader.read({ envelope, headerFrom: '', subject: '', text, attachments: [] }).type;
    assert.equal(read('Bewegung erkannt: Testkamera'), 'motion');
    assert.equal(read('This is a test message'), 'test');
    assert.equal(read('Hello'), 'unknown');
  });

  it('start and stop are phrases, not any word "end": "Front End" is a camera that sees motion begin', () => {
    const phase = (text: string) => genericCameraReader.read({ envelope, headerFrom: '', subject: '', text, attachments: [] }).phase;
    const table: [string, 'start' | 'stop' | null][] = [
      ['Front End camera detected motion', null],
      ['Motion at Front End', null],
      ['Person detected at the Weekend house', null],
      ['Motion Detection Stop', 'stop'],
      ['Motion Detection End', 'stop'],
      ['The motion has ended', 'stop'],
      ['IVS Tripwire Start', 'start'],
      ['Motion Detection Start', 'start'],
    ];
    assert.deepEqual(
      table.map(([text]) => [text, phase(text)]),
      table,
    );
  });

  it('reads a huge body in bounded work: only its first lines count', () => {
    const text = `${`${'x'.repeat(200)}\n`.repeat(100_000)}Alarm Event: Motion Detection\n`;
    const mail: Mail = { envelope, headerFrom: '', subject: '', text, attachments: [] };
    assert.equal(dahuaReader.claims(mail), false);
    assert.equal(genericCameraReader.read(mail).type, 'unknown');
  });
});
