// Which camera a mail is from. The user's list decides first (`cameras:` in the config), then the name the mail
// carries (an NVR names the channel's camera; its sender is the same for all), then the sender. A camera nobody
// configured gets a stable id made from its name, so that a user needs no config to start and the Home Assistant
// entities keep their ids from one mail to the next. A name is read without a time the template put after it
// (`Garage 2024-01-01 10:00:01`, `Hof at 10:00:01`), and the cameras made up this way are capped: every mail must
// not make a new Home Assistant device.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { minSilentAfterMs, optionalDurationSchema } from '../../core/duration.js';

const address = z
  .string()
  .trim()
  .min(1)
  .transform((value) => value.toLowerCase());

/** One configured camera; every `match_*` given must match, and with none the camera's name (or id) must. */
export const cameraConfig = z
  .object({
    /** Part of MQTT topics and Home Assistant ids. */
    id: z.string().regex(/^[a-z0-9_]{1,48}$/, 'lower-case letters, digits and "_", e.g. "garage"'),
    name: z.string().trim().min(1),
    /** A recipient: a local part such as `garage` (any domain), or a whole address. */
    match_recipient: address.optional(),
    /** The sender: a whole address, or a local part. */
    match_from: address.optional(),
    /** The camera name in the mail (`CAM 2 Garage` of `CAMERA NAME(NUM): CAM 2 Garage(A2)`), any case. */
    match_name: address.optional(),
    /**
     * How long the camera may stay without a mail before it counts as silent (`"25h"`), in ms once parsed; empty:
     * not supervised. The supervision feature watches it (features/supervision/); matching ignores it.
     */
    silent_after: optionalDurationSchema(minSilentAfterMs),
  })
  .strict();
export type CameraConfig = z.output<typeof cameraConfig>;

export interface CameraIdentity {
  id: string;
  name: string;
  /** From the user's list, or made up from the mail. */
  configured: boolean;
}

export interface CameraClues {
  recipients: readonly string[];
  /** The envelope sender, else the From: header; empty for a bounce without From. */
  from: string;
  /** The name the mail carries, if any. */
  cameraName: string | null;
}

/** Cameras made up from mails, per run; past this, mails of new names go to `unknown_camera`. */
export const maxAutoCameras = 32;
export const unknownCamera: CameraIdentity = { id: 'unknown_camera', name: 'Unknown camera', configured: false };

export function identifyCamera(given: CameraClues, cameras: readonly CameraConfig[], roster?: CameraRoster): CameraIdentity {
  const clues = { ...given, cameraName: given.cameraName === null ? null : nameWithoutTime(given.cameraName) };
  const configured = cameras.find((camera) => matches(camera, clues));
  if (configured) return { id: configured.id, name: configured.name, configured: true };
  const name = clues.cameraName?.trim() || clues.from.trim() || 'camera';
  const identity = { id: slugOf(name), name, configured: false };
  return roster ? roster.admit(identity) : identity;
}

/** The cameras made up so far; a new one is admitted while there are fewer than the cap. */
export class CameraRoster {
  readonly #ids = new Set<string>();
  readonly #max: number;

  constructor(max = maxAutoCameras) {
    this.#max = max;
  }

  admit(identity: CameraIdentity): CameraIdentity {
    if (this.#ids.has(identity.id)) return identity;
    if (this.#ids.size >= this.#max) return unknownCamera;
    this.#ids.add(identity.id);
    return identity;
  }
}

const dateTail = String.raw`\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}`;
const timeTail = String.raw`\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:\s*[ap]\.?m\.?)?`;
/** A date and/or time at the end (`2024-01-01 10:00:01`, `01.01.2024`, `10:00`, `2024-01-01T10:00:01Z`). */
const trailingTime = new RegExp(
  String.raw`[\s,;(\[-]+(?:${dateTail})(?:[\sT,]+(?:${timeTail}))?\s*(?:z|utc|[+-]\d{2}:?\d{2})?[)\]]?$|[\s,;(\[-]+(?:${timeTail})\s*(?:z|utc|[+-]\d{2}:?\d{2})?[)\]]?$`,
  'iu',
);
/** ` at 10:00:01`, ` um 10:00 Uhr`, ` am 01.01.2024 …`: a tail that starts with a time word and holds a digit. */
const timeWordTail = /\s+(?:at|um|am)\s+\S*\d.*$/iu;

/** The camera's name without a time the mail's template put after it; empty when it was nothing but a time. */
export function nameWithoutTime(name: string): string {
  const whole = name.trim();
  let rest = whole.replace(timeWordTail, '');
  for (let previous = ''; previous !== rest; ) {
    previous = rest;
    rest = rest.replace(trailingTime, '').trim();
  }
  // `2024-01-01 10:00:01` alone is a time, not a name: the sender names the camera then.
  return rest !== whole && !/\p{L}/u.test(rest) ? '' : rest;
}

const maxSlugLength = 40;

/**
 * A safe, stable id from a name: `CAM 2 Garage` → `cam_2_garage`, `Einfahrt Süd` → `einfahrt_sud`. A name with no
 * Latin letters or digits at all (`前门`) gets `camera_` and 8 hex digits of its SHA-256, stable too; so does the
 * end of one cut to 40 characters, so that two long names alike at the start stay two cameras.
 */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/gu, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '_')
    .replace(/^_+|_+$/gu, '');
  const hash = () => createHash('sha256').update(name).digest('hex').slice(0, 8);
  if (slug.length > maxSlugLength) return `${slug.slice(0, maxSlugLength - 9).replace(/_+$/u, '')}_${hash()}`;
  return slug || `camera_${hash()}`;
}

function matches(camera: CameraConfig, clues: CameraClues): boolean {
  const checks: boolean[] = [];
  if (camera.match_recipient !== undefined)
    checks.push(clues.recipients.some((recipient) => sameAddress(camera.match_recipient!, recipient)));
  if (camera.match_from !== undefined) checks.push(sameAddress(camera.match_from, clues.from));
  if (camera.match_name !== undefined) checks.push(camera.match_name === clues.cameraName?.trim().toLowerCase());
  if (checks.length > 0) return checks.every(Boolean);
  const name = clues.cameraName?.trim().toLowerCase();
  return name !== undefined && name !== '' && (name === camera.name.toLowerCase() || slugOf(name) === camera.id);
}

/** `garage` matches `Garage@bridge.local`; `garage@bridge.local` matches only that address (any case). */
function sameAddress(wanted: string, actual: string): boolean {
  const value = actual.trim().toLowerCase();
  return wanted.includes('@') ? wanted === value : wanted === value.split('@')[0];
}
