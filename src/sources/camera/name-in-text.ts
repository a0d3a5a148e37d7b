// The camera's name as its own mail gives it: one rule for every camera profile, so that a camera that names
// itself is called by that name whichever reader reads it, and two cameras behind one sender stay two. A vendor
// reader tries its own fields first (Hikvision's `CAMERA NAME(NUM)`, Dahua's channel name), then this.
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords } from './event-words.js';
import { linesOf, orNull } from './text.js';

/**
 * A field's value ends at the line's end, at a sentence's full stop, or where the next `Key:` of a one-line mail
 * begins: old Reolink firmware writes `Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, …`.
 */
const valueEnd = String.raw`\s*,\s*\p{L}[\p{L}\d .()/-]{0,40}:|\s*[.!]?\s*$`;
const end = `(?=${valueEnd})`;

/** Tried in this order, each over every line and then the subject: the pattern decides, not the line's position. */
const namePatterns: readonly RegExp[] = [
  // Reolink: `A person was detected by camera "Front Door"!`, `… on your Reolink device "Front Door".`
  /\b(?:camera|kamera|device|gerät)\s+"(?<name>[^"]+)"/iu,
  // `Camera Name:X`, `Alarm Camera Name:X`, `Kameraname: X`, `Kamera(name): X`: the camera before its recorder.
  new RegExp(String.raw`\b(?:alarm\s+)?(?:ip\s?)?(?:camera|kamera)[ _-]?\(?name\)?\s*:\s*(?<name>.+?)${end}`, 'iu'),
  // `Device Name:X`, `Alarm Device Name:X`, `Gerätename: X`: a camera's own device name, or its recorder's.
  new RegExp(String.raw`\b(?:alarm\s+)?(?:device|gerät|geraet)e?[ _-]?\(?name\)?\s*:\s*(?<name>.+?)${end}`, 'iu'),
  // Foscam `Your IPCamera: FI9821P_Wohnzimmer detected motion alarm at …`; `Motion detected on camera: Carport`.
  new RegExp(String.raw`\b(?:ip\s?)?(?:camera|kamera|cam)\s*:\s*(?<name>.+?)(?=\s+(?:has\s+|hat\s+)?(?:detected|erkannt)\b|${valueEnd})`, 'iu'),
  // Synology's default: `Camera Garten on DS918 has detected motion`.
  /\b(?:camera|kamera)\s+(?<name>.+?)\s+(?:on|auf)\s+.+?\s+(?:has|hat)\s+/iu,
  // Reolink's set-up test: `This is a test mail from your camera Carport.`
  new RegExp(String.raw`\b(?:from|von)\s+(?:your\s+|the\s+|ihrer\s+|der\s+)?(?:ip\s?)?(?:camera|kamera)\s+(?<name>.+?)${end}`, 'iu'),
];

/**
 * The camera's name in the mail's text or subject; for a mail without body text, a subject that is nothing but a
 * name. Null when neither: the sender names the camera then. A subject beside a body is left alone, so that a
 * camera with a fixed subject of its user's (`Überwachung`) keeps the id it had.
 */
export function cameraNameOf(mail: Pick<Mail, 'text' | 'subject'>): string | null {
  const subject = mail.subject.trim();
  const body = linesOf(mail.text);
  const lines = [...body, ...(subject ? [subject] : [])];
  for (const pattern of namePatterns) {
    for (const line of lines) {
      const name = orNull(pattern.exec(line)?.groups?.name);
      if (name) return name;
    }
  }
  return body.length === 0 ? subjectAsName(subject) : null;
}

/** `Alarm:`, `Snapshot -`: what a camera puts before its name in a subject of its own making. */
const subjectPrefix = /^(?:alarm|alert|event|motion|snapshot|ereignis|meldung|bewegung)\s*[:\-–]\s*/iu;
/** Words that say what a mail is, not which camera sent it. */
const notAName = /\b(?:alarm|alert|event|notification|message|mail|e-?mail|snapshot|picture|image|photo|meldung|nachricht|ereignis|bild|foto)\b/iu;
const maxNameWords = 3;
const maxNameLength = 40;

/**
 * A subject that reads as a camera's name: `Alarm:Cam_495920` (a camera that mails a picture and nothing else),
 * `Garage`. Not a sentence, not one that says what happened (`Motion detected`), not a mail's kind (`Alarm`).
 */
function subjectAsName(subject: string): string | null {
  const rest = subject.replace(subjectPrefix, '').trim();
  if (!rest || rest.length > maxNameLength || rest.split(/\s+/u).length > maxNameWords) return null;
  if (!/[\p{L}\d]/u.test(rest) || /[:!?,;"]/u.test(rest) || notAName.test(rest) || eventTypeOfWords(rest) !== undefined) return null;
  return rest;
}
