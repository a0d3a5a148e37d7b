// Cameras no vendor profile knows (Synology Surveillance Station, Axis, user-written texts), as a source profile:
// it reads the mails sent to a camera address that no vendor claims (generic.ts).

import { genericCameraReader } from './generic.js';
import { cameraProfile } from './profile.js';

export const camera = cameraProfile(genericCameraReader, { manufacturer: 'Alarm Mail Bridge', model: 'Camera' }, { fallback: true });
