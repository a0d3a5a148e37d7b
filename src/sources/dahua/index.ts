// Dahua and Amcrest cameras and NVRs as a source profile (their grammar: read.ts).
import { cameraProfile } from '../camera/profile.js';
import { dahuaReader } from './read.js';

export const dahua = cameraProfile(dahuaReader, { manufacturer: 'Dahua', model: 'IP camera' });
