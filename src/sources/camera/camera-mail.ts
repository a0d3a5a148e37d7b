// Is this a camera's mail, and what does it say? A vendor that recognises the mail by itself (Hikvision's
// HIKMailer, Dahua's `Alarm Event:` lines, Reolink's subject) reads it whatever address it came to; a mail to a
// camera address that no vendor claims is read by the generic camera reader. Any other mail is not a camera's.
import type { Route } from '../../core/event.js';
import { localPartOf } from '../../core/route.js';
import type { Mail } from '../../mail/mail.js';
import type { Profile } from '../profile.js';
import { type CameraConfig, type CameraIdentity, type CameraRoster, identifyCamera } from './identity.js';
import type { CameraReading } from './reading.js';

export interface CameraMail {
  /** The reader that read it: the event's `source`. */
  source: string;
  reading: CameraReading;
  camera: CameraIdentity;
}

export interface CameraMailSettings {
  /** The registry's profiles: the camera vendors are asked in their order, the fallback reads what none claims. */
  profiles: readonly Profile[];
  /** Local parts that make a mail a camera's (`camera`, and configured cameras' match_recipient). */
  addresses: readonly string[];
  cameras: readonly CameraConfig[];
  /** The cameras made up from mails so far, capped; without it every name makes a camera. */
  roster?: CameraRoster | undefined;
}

export function readCameraMail(mail: Mail, route: Route, settings: CameraMailSettings): CameraMail | undefined {
  const cameras = settings.profiles.flatMap((profile) => (profile.camera ? [profile.camera] : []));
  const vendor = cameras.find((camera) => !camera.fallback && camera.reader.claims(mail))?.reader;
  const toCamera = route === 'camera' || mail.envelope.recipients.some((recipient) => settings.addresses.includes(localPartOf(recipient)));
  const reader = vendor ?? (toCamera ? cameras.find((camera) => camera.fallback)?.reader : undefined);
  if (!reader) return undefined;
  const reading = reader.read(mail);
  const camera = identifyCamera(
    { recipients: mail.envelope.recipients, from: mail.envelope.from || mail.headerFrom, cameraName: reading.camera },
    settings.cameras,
    settings.roster,
  );
  return { source: reader.name, reading, camera };
}
