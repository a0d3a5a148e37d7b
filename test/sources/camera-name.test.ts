// The one rule every camera reader uses for the name a camera gives itself in its text or subject.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraNameOf } from '../../src/sources/camera/name-in-text.js';

describe('cameraNameOf', () => {
  const table: [text: string, subject: string, expected: string | null][] = [
    [
      'Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, Alarm Input Channel No.:1, Alarm Device Name:Werkstatt',
      'Alarm Message',
      'Werkstatt',
    ],
    ['Camera Name:Garten', '', 'Garten'],
    ['Camera Name: Einfahrt Süd', '', 'Einfahrt Süd'],
    ['Kameraname: Hof', '', 'Hof'],
    ['Kamera(name): Hof', '', 'Hof'],
    ['Kamera: Flur', '', 'Flur'],
    ['Device Name:IPC-Keller', '', 'IPC-Keller'],
    ['Alarm Event:Motion, Alarm Device Name:NVR, Alarm Camera Name:Tor', '', 'Tor'],
    ['Your IPCamera: FI9821P_Wohnzimmer detected motion alarm at 2024-03-05 22:14:07', '', 'FI9821P_Wohnzimmer'],
    ['Motion detected on camera: Carport', '', 'Carport'],
    ['This is a test mail from your camera Carport.', 'Test mail from Carport', 'Carport'],
    ['A person was detected by camera "Front Door"!', '', 'Front Door'],
    ['Camera Gartenhütte on DS918 has detected motion', '', 'Gartenhütte'],
    // A mail without body text: a subject that reads as a name.
    ['', 'Alarm:Cam_495920', 'Cam_495920'],
    ['', 'Garage', 'Garage'],
    // Subjects that say what happened or what the mail is are no names.
    ['', 'Alarm', null],
    ['', 'Motion detected', null],
    ['', 'Axis event', null],
    ['', 'Test', null],
    ['', 'Bewegung erkannt: Mehr als drei Wörter hier', null],
    ['Hello', '', null],
    // Beside a body, the subject names the camera only in one of the forms above.
    ['Feuer im Keller', 'Kamera Keller', null],
  ];
  for (const [text, subject, expected] of table) {
    it(`${JSON.stringify(text || subject)} → ${expected}`, () => assert.equal(cameraNameOf({ text, subject }), expected));
  }
});

describe('cameraNameOf on hostile text', () => {
  // The name patterns run on the main thread, on the sender's text: a mail built to make them backtrack must cost
  // milliseconds, not the 30 s a 4 KB subject of spaces cost before every repetition was bounded. The bound below is
  // a guard far above the few milliseconds measured, not a speed target.
  const hostile: Record<string, { text: string; subject: string }> = {
    'a 4 KB subject of spaces after a name key': { text: '', subject: `Camera Name:a${' '.repeat(4000)}x` },
    'forty lines of spaces after a name key': {
      text: Array.from({ length: 40 }, () => `Camera Name:a${' '.repeat(280)}x`).join('\n'),
      subject: '',
    },
    'the camera keyword over and over': {
      text: Array.from({ length: 40 }, () => 'camera '.repeat(42)).join('\n'),
      subject: 'camera '.repeat(580),
    },
    "Synology's sentence without its end": { text: Array.from({ length: 40 }, () => 'Camera x on '.repeat(25)).join('\n'), subject: '' },
  };
  for (const [name, mail] of Object.entries(hostile)) {
    it(`${name}: well under a second`, () => {
      const start = performance.now();
      cameraNameOf(mail);
      assert.ok(performance.now() - start < 1000, `${(performance.now() - start).toFixed(0)} ms`);
    });
  }
});
