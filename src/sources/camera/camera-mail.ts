// Is this a camera's mail, and what does it say? A vendor that recognises the mail by itself (Hikvision's
// HIKMailer, Dahua's `Alarm Event:` lines, Reolink's subject) reads it whatever address it came to; a mail to a
// camera address that no vendor claims is read by the generic camera reader. Any other mail is not a camera's.
import type { Route } from '../../core/event.js';
import { localPartOf } from '../../core/route.js';
import type { Mail } from '../../mail/mail.js';
import { identifyCamera, type CameraConfig, type CameraIdentity } from './identity.js';
import type { CameraReader, CameraReading } from './reading.js';

export interface CameraMail {
  /** The reader that read it: the event's `source`. */
  source: string;
  reading: CameraReading;
  camera: CameraIdentity;
}

export interface CameraMailSettings {
  /** Vendor readers in the order they are asked whether they claim a mail. */
  vendors: readonly CameraReader[];
  /** For camera mails no vendor claims. */
  fallback: CameraReader;
  /** Local parts that make a mail a camera's (`camera`, and configured cameras' match_recipient). */
  addresses: readonly string[];
  cameras: readonly CameraConfig[];
}

export function readCameraMail(mail: Mail, route: Route, settings: CameraMailSettings): CameraMail | undefined {
  const vendor = settings.vendors.find((reader) => reader.claims(mail));
  const toCamera = route === 'camera' || mail.envelope.recipients.some((recipient) => settings.addresses.includes(localPartOf(recipient)));
  const reader = vendor ?? (toCamera ? settings.fallback : undefined);
  if (!reader) return undefined;
  const reading = reader.read(mail);
  const camera = identifyCamera({ recipients: mail.envelope.recipients, from: mail.envelope.from || mail.headerFrom, cameraName: reading.camera }, settings.cameras);
  return { source: reader.name, reading, camera };
}
