// A camera reader as a source profile: its event types (with their meaning) for the catalog, its description for
// the camera's device, and the reader the pipeline uses on a whole mail. The line classifier never decides for a
// camera profile: camera mails are read before it (pipeline/to-event.ts), so `match` finds nothing.
import type { CameraDescription } from '../catalog.js';
import type { Profile } from '../profile.js';
import { type CameraReader, cameraEventTypes } from './reading.js';

/** Types that mean something moves in the picture: they turn the camera's motion sensor on. */
const motionTypes = ['motion', 'person', 'vehicle', 'animal', 'line_crossing', 'intrusion_area'] as const;

export function cameraProfile(
  reader: CameraReader,
  device: Pick<CameraDescription, 'manufacturer' | 'model'>,
  options: { fallback?: boolean } = {},
): Profile {
  return {
    name: reader.name,
    // `unknown` is every source's fallback type; listed here it would move in the panel's event types.
    eventTypes: cameraEventTypes
      .filter((type) => type !== 'unknown')
      .map((type) => ({ type, category: type === 'test' ? 'test' : 'status', alarmState: null })),
    claims: ({ mail }) => reader.claims(mail),
    match: () => undefined,
    camera: {
      reader,
      description: { ...device, eventTypes: cameraEventTypes, motionTypes },
      ...(options.fallback ? { fallback: true } : {}),
    },
  };
}
