// Words cameras use for their events (English as the vendors write them, German as users do in their own
// templates), in the order they are tried: the specific before the general, so that "Line Crossing Detection"
// is a line crossing and not motion, and "Video Signal Loss" not a loss of motion; `test` last, so that a
// camera called "Testkamera" still reports motion.
import type { CameraEventType } from './reading.js';

const table: ReadonlyArray<[CameraEventType, RegExp]> = [
  ['line_crossing', /\b(?:line[ -]?crossing|tripwire|cross[ -]?line|linien(?:überschreitung|querung))/iu],
  ['intrusion_area', /\b(?:intrusion|region (?:entrance|exiting)|field detection|bereichs?(?:überwachung|eindringen))/iu],
  ['video_loss', /\b(?:video (?:signal )?lo(?:ss|st)|signal lost|videoverlust|kein videosignal)/iu],
  ['tamper', /\b(?:tamper(?:ing)?|video blind|blind detection|sabotage|abdeckung)/iu],
  ['person', /\b(?:human|person|people|pedestrian|face|mensch)/iu],
  ['vehicle', /\b(?:vehicle|car|fahrzeug)\b/iu],
  ['animal', /\b(?:animal|pet|dog|cat|tier)\b/iu],
  ['motion', /\b(?:motion|movement|bewegung|pir)/iu],
  ['test', /\b(?:test)\b/iu],
];

/** The type the first matching word names, or undefined. */
export function eventTypeOfWords(text: string): CameraEventType | undefined {
  for (const [type, pattern] of table) if (pattern.test(text)) return type;
  return undefined;
}

/** Words an event's name ends in, after which `Start`/`End` is the event's phase and not part of a name. */
const eventWord = `(?:detection|event|alarm|motion|movement|tripwire|crossing|intrusion|loss|tamper(?:ing)?|bewegung|erkennung)`;
/**
 * Phases only as whole phrases: after the event's name (`Motion Detection Stop`, `Motion End`), as a sentence
 * (`motion has ended`), or a bare `Stop`/`Start` ending the text. A word alone is not enough: "Front End camera
 * detected motion" is motion that starts, not one that ends.
 */
const stopPhrase = new RegExp(
  String.raw`\b${eventWord}\s+(?:stop|stopped|end|ended|ende)\b|\b(?:has|have|was|is)\s+(?:stopped|ended)\b|\bstop\s*[.!]?$`,
  'iu',
);
const startPhrase = new RegExp(
  String.raw`\b${eventWord}\s+(?:start|started|begin|began|beginn)\b|\b(?:has|have)\s+(?:started|begun)\b|\bstart\s*[.!]?$`,
  'iu',
);

/** `Start`/`Stop` as Dahua writes them after the event's name (`Motion Detection Stop`). */
export function phaseOfWords(text: string): 'start' | 'stop' | null {
  if (stopPhrase.test(text)) return 'stop';
  if (startPhrase.test(text)) return 'start';
  return null;
}
