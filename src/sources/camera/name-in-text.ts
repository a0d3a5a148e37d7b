// The camera's name as its own mail gives it: one rule for every camera profile, so that a camera that names
// itself is called by that name whichever reader reads it, and two cameras behind one sender stay two. A vendor
// reader tries its own fields first (Hikvision's `CAMERA NAME(NUM)`, Dahua's channel name), then this.
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords } from './event-words.js';
import { linesOf, orNull } from './text.js';

/**
 * A field's value ends at the line's end, at a sentence's full stop, or where the next `Key:` of a one-line mail
 * begins: old Reolink firmware writes `Alarm Camera Name:Werkstatt, Alarm Event:Motion Detection, …`.
 * Every repetition here and in the names is bounded: the text is the sender's, and an unbounded `\s*` beside a lazy
 * name made a line of spaces cost seconds (each longer name candidate scanned all the spaces again).
 */
const valueEnd = String.raw`\s{0,3},\s{0,3}\p{L}[\p{L}\d .()/-]{0,40}:|\s{0,3}[.!]?$`;
const end = `(?=${valueEnd})`;
/** A camera's name as a mail writes it: names are short, and a bounded candidate keeps each try cheap. */
const name = String.raw`(?<name>\S.{0,59}?)`;

/** Tried in this order, each over every line and then the subject: the pattern decides, not the line's position. */
const namePatterns: readonly RegExp[] = [
  // Reolink: `A person was detected by camera "Front Door"!`, `… on your Reolink device "Front Door".`
  /\b(?:camera|kamera|device|gerät)\s{1,3}"(?<name>[^"]{1,60})"/iu,
  // `Camera Name:X`, `Alarm Camera Name:X`, `Kameraname: X`, `Kamera(name): X`: the camera before its recorder.
  new RegExp(String.raw`\b(?:alarm\s{1,3})?(?:ip\s?)?(?:camera|kamera)[ _-]?\(?name\)?\s{0,3}:\s{0,3}${name}${end}`, 'iu'),
  // `Device Name:X`, `Alarm Device Name:X`, `Gerätename: X`: a camera's own device name, or its recorder's.
  new RegExp(String.raw`\b(?:alarm\s{1,3})?(?:device|gerät|geraet)e?[ _-]?\(?name\)?\s{0,3}:\s{0,3}${name}${end}`, 'iu'),
  // Foscam `Your IPCamera: FI9821P_Wohnzimmer detected motion alarm at …`; `Motion detected on camera: Carport`.
  new RegExp(
    String.raw`\b(?:ip\s?)?(?:camera|kamera|cam)\s{0,3}:\s{0,3}${name}(?=\s{1,3}(?:has\s{1,3}|hat\s{1,3})?(?:detected|erkannt)\b|${valueEnd})`,
    'iu',
  ),
  // Synology's default: `Camera Garten on DS918 has detected motion`.
  new RegExp(String.raw`\b(?:camera|kamera)\s{1,3}${name}\s{1,3}(?:on|auf)\s{1,3}\S.{0,59}?\s{1,3}(?:has|hat)\s`, 'iu'),
  // Reolink's set-up test: `This is a test mail from your camera Carport.`
  new RegExp(
    String.raw`\b(?:from|von)\s{1,3}(?:your\s{1,3}|the\s{1,3}|ihrer\s{1,3}|der\s{1,3})?(?:ip\s?)?(?:camera|kamera)\s{1,3}${name}${end}`,
    'iu',
  ),
];

/**
 * The camera's name in the mail's text or subject; for a mail without body text, a subject that is nothing but a
 * name. Null when neither: the sender names the camera then. A subject beside a body is left alone, so that a
 * camera with a fixed subject of its user's (`Überwachung`) keeps the id it had.
 */
export function cameraNameOf(mail: Pick<Mail, 'text' | 'subject'>): string | null {
  // The subject is clipped like a body line: up to 4 KB of it reach the event, and every try costs its length.
  const subject = linesOf(mail.subject)[0] ?? '';
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
const notAName =
  /\b(?:alarm|alert|event|notification|message|mail|e-?mail|snapshot|picture|image|photo|meldung|nachricht|ereignis|bild|foto)\b/iu;
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
