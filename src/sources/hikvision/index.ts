// Hikvision IP cameras and recorders as a source profile (their grammar: read.ts).
import { cameraProfile } from '../camera/profile.js';
import { hikvisionReader } from './read.js';

export const hikvision = cameraProfile(hikvisionReader, { manufacturer: 'Hikvision', model: 'IP camera' });
