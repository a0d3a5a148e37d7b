// Reolink cameras and NVRs. The subject says it all (RFC 2047-encoded, decoded by mailparser):
//   Person Detected by Front Door at 2023/1/4 09:10:11     (Vehicle, Pet, Motion)
// the body repeats it: `A person was detected by camera "Front Door"!`. An NVR uses one sender for all its
// cameras, so the camera comes from the text. The set-up test mail says "…successfully set up and tested the
// e-mail alert…".
import type { Mail } from '../../mail/mail.js';
import type { CameraEventType } from '../camera/reading.js';
import type { CameraReader, CameraReading } from '../camera/reading.js';
import { linesOf, orNull } from '../camera/text.js';

const subjectLine = /^(?<what>[a-z]+) (?:Detected|Alert) (?:by|from) (?<camera>.+?) at (?<time>\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}(?::\d{2})?)$/iu;
const bodyLine = /\b(?<what>[a-z]+) was detected by camera "(?<camera>[^"]+)"/iu;
const testLine = /successfully set up and tested the e-mail alert/iu;

const byWhat: Record<string, CameraEventType> = { person: 'person', human: 'person', face: 'person', vehicle: 'vehicle', car: 'vehicle', pet: 'animal', animal: 'animal', dog: 'animal', cat: 'animal', motion: 'motion' };

export const reolinkReader: CameraReader = {
  name: 'reolink',

  claims(mail: Mail): boolean {
    return subjectLine.test(mail.subject.trim()) || linesOf(mail.text).some((line) => bodyLine.test(line) || testLine.test(line));
  },

  read(mail: Mail): CameraReading {
    const lines = linesOf(mail.text);
    const test = lines.find((line) => testLine.test(line));
    if (test) return { type: 'test', camera: orNull(/device "(?<name>[^"]+)"/u.exec(test)?.groups?.name), phase: null, deviceTime: null, text: test };
    const subject = subjectLine.exec(mail.subject.trim())?.groups;
    const body = lines.map((line) => ({ line, groups: bodyLine.exec(line)?.groups })).find((found) => found.groups);
    const what = (subject?.what ?? body?.groups?.what ?? '').toLowerCase();
    const alarmTime = lines.map((line) => /^Alarm time:\s*(?<time>.+)$/iu.exec(line)?.groups?.time).find(Boolean);
    return {
      type: byWhat[what] ?? 'unknown',
      camera: orNull(body?.groups?.camera) ?? orNull(subject?.camera),
      phase: null,
      deviceTime: orNull(subject?.time) ?? orNull(alarmTime),
      text: subject ? mail.subject.trim() : (body?.line ?? mail.subject),
    };
  },
};
