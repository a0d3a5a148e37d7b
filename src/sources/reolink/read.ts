// Reolink cameras and NVRs. The subject says it all (RFC 2047-encoded, decoded by mailparser):
//   Person Detected by Front Door at 2023/1/4 09:10:11     (Vehicle, Pet, Motion)
// the body repeats it: `A person was detected by camera "Front Door"!`. An NVR uses one sender for all its
// cameras, so the camera comes from the text. Older firmware sends one line of fields instead:
//   Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, Alarm Input Channel No.:1, Alarm Device Name:Werkstatt
// The set-up test mail says "…successfully set up and tested the e-mail alert…", or (newer firmware) has the
// subject `Test mail from Carport` and "… from your camera Carport." in its body.
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords } from '../camera/event-words.js';
import { cameraNameOf } from '../camera/name-in-text.js';
import type { CameraEventType, CameraReader, CameraReading } from '../camera/reading.js';
import { linesOf, orNull } from '../camera/text.js';

const subjectLine =
  /^(?<what>[a-z]+) (?:Detected|Alert) (?:by|from) (?<camera>.+?) at (?<time>\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}(?::\d{2})?)$/iu;
const bodyLine = /\b(?<what>[a-z]+) was detected by camera "(?<camera>[^"]+)"/iu;
const testLine = /successfully set up and tested the e-mail alert/iu;
const testSubject = /^Test (?:e-?)?mail from \S/iu;
const fromYourCamera = /\bfrom your camera \S/iu;
/** The old firmware's one line: its event is the `Alarm Event:` field, up to the next field. */
const oneLineEvent = /\bAlarm Camera Name\s*:.*\bAlarm Event\s*:\s*(?<event>[^,]+)/iu;

const byWhat: Record<string, CameraEventType> = {
  person: 'person',
  human: 'person',
  face: 'person',
  vehicle: 'vehicle',
  car: 'vehicle',
  pet: 'animal',
  animal: 'animal',
  dog: 'animal',
  cat: 'animal',
  motion: 'motion',
};

export const reolinkReader: CameraReader = {
  name: 'reolink',

  claims(mail: Mail): boolean {
    const lines = linesOf(mail.text);
    if (subjectLine.test(mail.subject.trim()) || isTest(mail, lines)) return true;
    return lines.some((line) => bodyLine.test(line) || oneLineEvent.test(line));
  },

  read(mail: Mail): CameraReading {
    const lines = linesOf(mail.text);
    if (isTest(mail, lines)) {
      const text = lines.find((line) => testLine.test(line) || fromYourCamera.test(line)) ?? mail.subject.trim();
      return { type: 'test', camera: cameraNameOf(mail), phase: null, deviceTime: null, text };
    }
    const oneLine = lines.map((line) => ({ line, event: oneLineEvent.exec(line)?.groups?.event })).find((found) => found.event);
    if (oneLine)
      return {
        type: eventTypeOfWords(oneLine.event!) ?? 'unknown',
        camera: cameraNameOf(mail),
        phase: null,
        deviceTime: null,
        text: oneLine.line,
      };
    const subject = subjectLine.exec(mail.subject.trim())?.groups;
    const body = lines.map((line) => ({ line, groups: bodyLine.exec(line)?.groups })).find((found) => found.groups);
    const what = (subject?.what ?? body?.groups?.what ?? '').toLowerCase();
    const alarmTime = lines.map((line) => /^Alarm time:\s*(?<time>.+)$/iu.exec(line)?.groups?.time).find(Boolean);
    return {
      type: byWhat[what] ?? 'unknown',
      camera: orNull(body?.groups?.camera) ?? orNull(subject?.camera) ?? cameraNameOf(mail),
      phase: null,
      deviceTime: orNull(subject?.time) ?? orNull(alarmTime),
      text: subject ? mail.subject.trim() : (body?.line ?? mail.subject),
    };
  },
};

/** The set-up test mail, of either firmware. */
function isTest(mail: Mail, lines: readonly string[]): boolean {
  return (
    lines.some((line) => testLine.test(line)) || (testSubject.test(mail.subject.trim()) && lines.some((line) => fromYourCamera.test(line)))
  );
}
