// Which camera a mail is from. The user's list decides first (`cameras:` in the config), then the name the mail
// carries (an NVR names the channel's camera; its sender is the same for all), then the sender. A camera nobody
// configured gets a stable id made from its name, so that a user needs no config to start and the Home Assistant
// entities keep their ids from one mail to the next.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const address = z.string().trim().min(1).transform((value) => value.toLowerCase());

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

export function identifyCamera(clues: CameraClues, cameras: readonly CameraConfig[]): CameraIdentity {
  const configured = cameras.find((camera) => matches(camera, clues));
  if (configured) return { id: configured.id, name: configured.name, configured: true };
  const name = clues.cameraName?.trim() || clues.from.trim() || 'camera';
  return { id: slugOf(name), name, configured: false };
}

/**
 * A safe, stable id from a name: `CAM 2 Garage` → `cam_2_garage`, `Einfahrt Süd` → `einfahrt_sud`. A name with no
 * Latin letters or digits at all (`前门`) gets `camera_` and 8 hex digits of its SHA-256, stable too.
 */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/gu, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '_')
    .replace(/^_+|_+$/gu, '')
    .slice(0, 40)
    .replace(/_+$/u, '');
  return slug || `camera_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

function matches(camera: CameraConfig, clues: CameraClues): boolean {
  const checks: boolean[] = [];
  if (camera.match_recipient !== undefined) checks.push(clues.recipients.some((recipient) => sameAddress(camera.match_recipient!, recipient)));
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
