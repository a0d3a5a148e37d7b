// Cameras as their events reveal them: a camera event creates one, its events drive its motion sensor and its
// picture. Pure: the output persists the result (cameras.json, so discovery is re-announced after a restart) and
// publishes the changes.
import type { AlarmEvent } from '../../core/event.js';
import type { CameraDescription } from '../../sources/catalog.js';

export interface CameraState {
  /** The name the mail or the config gave; Home Assistant may show another one the user chose. */
  name: string;
  /** The profile that reads its mails: its description makes the device. */
  source: string;
  /** The type of its last picture: the image entity announces it. Null until a picture came. */
  contentType: string | null;
}

/** Keyed by camera id. */
export type Cameras = Record<string, CameraState>;

export interface CameraChange {
  id: string;
  state: CameraState;
  /** New, or renamed, or its kind of picture changed: its discovery must be sent (again). */
  rediscover: boolean;
  /** ON when something moves; OFF at a camera's "Stop" mail (else Home Assistant turns it off after a delay). */
  motion: 'ON' | 'OFF' | undefined;
  /** The stored state differs from before: it must be saved. */
  changed: boolean;
}

export function cameraChange(cameras: Cameras, event: AlarmEvent, description: CameraDescription | undefined): CameraChange | undefined {
  if (event.device === undefined || !description) return undefined;
  const previous = cameras[event.device];
  const first = event.images?.[0];
  const state: CameraState = {
    name: event.sensor ?? previous?.name ?? event.device,
    source: event.source,
    contentType: first?.content_type ?? previous?.contentType ?? null,
  };
  const moving = description.motionTypes.includes(event.type);
  const motion = moving ? (event.phase === 'stop' ? 'OFF' : 'ON') : undefined;
  const changed = !previous || previous.name !== state.name || previous.source !== state.source || previous.contentType !== state.contentType;
  return { id: event.device, state, rediscover: changed, motion, changed };
}
