// Cameras as their events reveal them: a camera event creates one, its events drive its motion sensor and its
// picture. Pure: the output persists the result (cameras.json, so discovery is re-announced after a restart) and
// publishes the changes.
import type { AlarmEvent } from '../../core/event.js';
import type { ImageRef } from '../../core/images.js';
import type { CameraDescription } from '../../sources/catalog.js';

export interface CameraState {
  /** The name the mail or the config gave; Home Assistant may show another one the user chose. */
  name: string;
  /** The profile that reads its mails: its description makes the device. */
  source: string;
  /** Its last picture: published again after a connect (a broker without persistence forgets retained values). */
  image: ImageRef | null;
}

/** Keyed by camera id. */
export type Cameras = Record<string, CameraState>;

export interface CameraChange {
  id: string;
  state: CameraState;
  /** New, renamed, or its kind of picture changed: its discovery must be sent (again). */
  rediscover: boolean;
  /** ON when something moves; OFF at a camera's "Stop" mail (else Home Assistant turns it off after a delay). */
  motion: 'ON' | 'OFF' | undefined;
  /** The stored state differs from before: it must be saved. */
  changed: boolean;
}

export function cameraChange(cameras: Cameras, event: AlarmEvent, description: CameraDescription | undefined): CameraChange | undefined {
  if (event.device === undefined || !description) return undefined;
  const previous = cameras[event.device];
  const state: CameraState = {
    name: event.sensor ?? previous?.name ?? event.device,
    source: event.source,
    // The first of several: the moment the camera saw something.
    image: event.images?.[0] ?? previous?.image ?? null,
  };
  const moving = description.motionTypes.includes(event.type);
  const motion = moving ? (event.phase === 'stop' ? 'OFF' : 'ON') : undefined;
  const rediscover =
    !previous ||
    previous.name !== state.name ||
    previous.source !== state.source ||
    previous.image?.content_type !== state.image?.content_type;
  const changed = rediscover || previous.image?.sha256 !== state.image?.sha256;
  return { id: event.device, state, rediscover, motion, changed };
}
