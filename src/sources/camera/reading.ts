// What a camera mail says, whoever made the camera: the event type, the camera's own name for itself, start or
// stop, and the camera's clock. Each vendor's reader turns a Mail into one; the camera profile makes the event.
import type { Mail } from '../../mail/mail.js';

/** Every type a camera event can have; `unknown` when a camera mail names nothing we know. */
export const cameraEventTypes = [
  'motion',
  'person',
  'vehicle',
  'animal',
  'line_crossing',
  'intrusion_area',
  'video_loss',
  'tamper',
  'test',
  'unknown',
] as const;
export type CameraEventType = (typeof cameraEventTypes)[number];

export interface CameraReading {
  type: CameraEventType;
  /** The camera's name as the mail gives it (an NVR names the channel's camera); null when it gives none. */
  camera: string | null;
  /** Cameras that mail the end of an event too (some Dahua models) say which this is; null when they do not. */
  phase: 'start' | 'stop' | null;
  /** The camera's clock, as text: cameras send no time zone, so the event's `time` stays the arrival time. */
  deviceTime: string | null;
  /** The line that told the type, or the subject. */
  text: string;
}

/** One vendor's grammar: pure, Mail → reading. */
export interface CameraReader {
  /** The source name events of this reader carry (`hikvision`, `dahua`, `reolink`, `camera`). */
  name: string;
  /** True when the mail is surely this vendor's, whatever address it came to. */
  claims(mail: Mail): boolean;
  read(mail: Mail): CameraReading;
}
