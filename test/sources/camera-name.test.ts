// The one rule every camera reader uses for the name a camera gives itself in its text or subject.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraNameOf } from '../../src/sources/camera/name-in-text.js';

describe('cameraNameOf', () => {
  const table: [text: string, subject: string, expected: string | null][] = [
    ['Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, Alarm Input Channel No.:1, Alarm Device Name:Werkstatt', 'Alarm Message', 'Werkstatt'],
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
