// Cameras no vendor reader knows (Synology Surveillance Station, Axis, and any camera whose user wrote the mail's
// text): the user chose subject and body, e.g. Synology's "Camera %CAMERA% on %SS_PKG_NAME% has detected motion".
// It claims nothing by itself: a mail is a camera mail for it only by the address it came to.
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords, phaseOfWords } from './event-words.js';
import { cameraNameOf } from './name-in-text.js';
import type { CameraReader, CameraReading } from './reading.js';
import { linesOf, orNull } from './text.js';

const deviceTime = /^(?:time|zeit|date|datum|event time)\s*:\s*(?<time>.+)$/iu;

export const genericCameraReader: CameraReader = {
  name: 'camera',

  claims(): boolean {
    return false;
  },

  read(mail: Mail): CameraReading {
    const subject = mail.subject.trim();
    const lines = [...linesOf(mail.text), ...(subject ? [subject] : [])];
    const told = lines.map((line) => ({ line, type: eventTypeOfWords(line) })).find((found) => found.type);
    return {
      type: told?.type ?? 'unknown',
      camera: cameraNameOf(mail),
      phase: told && told.type !== 'test' ? phaseOfWords(told.line) : null,
      deviceTime: lines.map((line) => orNull(deviceTime.exec(line)?.groups?.time)).find((time) => time !== null) ?? null,
      text: told?.line ?? lines[0] ?? '',
    };
  },
};
