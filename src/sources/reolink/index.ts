// Reolink cameras and NVRs as a source profile (their grammar: read.ts).
import { cameraProfile } from '../camera/profile.js';
import { reolinkReader } from './read.js';

export const reolink = cameraProfile(reolinkReader, { manufacturer: 'Reolink', model: 'IP camera' });
