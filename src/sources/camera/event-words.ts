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

/** `Start`/`Stop` as Dahua writes them after the event's name (`Motion Detection Stop`). */
export function phaseOfWords(text: string): 'start' | 'stop' | null {
  if (/\b(?:stop|stopped|ended|end)\b/iu.test(text)) return 'stop';
  if (/\b(?:start|started|begin)\b/iu.test(text)) return 'start';
  return null;
}
