// Cameras no vendor reader knows (Synology Surveillance Station, Axis, and any camera whose user wrote the mail's
// text): the user chose subject and body, e.g. Synology's "Camera %CAMERA% on %SS_PKG_NAME% has detected motion".
// It claims nothing by itself: a mail is a camera mail for it only by the address it came to.
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords, phaseOfWords } from './event-words.js';
import type { CameraReader, CameraReading } from './reading.js';
import { linesOf, orNull } from './text.js';

/** How users and vendors' default templates name the camera, tried in order on each line, then the subject. */
const cameraNames: readonly RegExp[] = [
  /\bcamera "(?<name>[^"]+)"/iu,
  /\b(?:camera|kamera)\s+(?<name>.+?)\s+(?:on|auf)\s+.+?\s+(?:has|hat)\s+/iu,
  /\b(?:camera|kamera|cam)\s*:\s*(?<name>.+)$/iu,
];
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
      camera: firstMatch(lines, cameraNames),
      phase: told && told.type !== 'test' ? phaseOfWords(told.line) : null,
      deviceTime: firstMatch(lines, [deviceTime]),
      text: told?.line ?? lines[0] ?? '',
    };
  },
};

function firstMatch(lines: readonly string[], patterns: readonly RegExp[]): string | null {
  for (const pattern of patterns) {
    for (const line of lines) {
      const name = orNull(pattern.exec(line)?.groups?.name ?? pattern.exec(line)?.groups?.time);
      if (name) return name;
    }
  }
  return null;
}
