// A spooled mail → its one event: parse, then classify; a mail that cannot be parsed still makes an event.
// A camera's mail is read whole by its camera profile, and its pictures are stored before its event exists, so
// the mail is retired (after delivery) only once they are kept. A picture that cannot be stored (disk full, folder
// gone) costs the picture, never the event: an alarm must not wait in the spool behind it. A picture whose words
// say nothing (a camera that mails a JPEG and the subject `Alarm:Cam_495920`) is what such a camera sends on motion.
import type { Envelope } from '../core/envelope.js';
import { type AlarmEvent, fallbackTypes, type MailEvent, type Route } from '../core/event.js';
import { type RouteTable, routeOf } from '../core/route.js';
import type { MailParser } from '../mail/isolated-parser.js';
import type { Mail } from '../mail/mail.js';
import { MailUnparsable } from '../mail/unparsable.js';
import { imageKindOf } from '../snapshots/image-kind.js';
import type { StoredImages } from '../snapshots/snapshot-store.js';
import { cameraEvent } from '../sources/camera/camera-event.js';
import { readCameraMail } from '../sources/camera/camera-mail.js';
import { genericCameraReader } from '../sources/camera/generic.js';
import { type CameraConfig, CameraRoster } from '../sources/camera/identity.js';
import type { CameraReading } from '../sources/camera/reading.js';
import { linesOf } from '../sources/camera/text.js';
import { classifyMail } from '../sources/classify.js';
import type { Match, Profile } from '../sources/profile.js';

/** Enough raw text for a human to see what arrived, without pushing megabytes through MQTT. */
const maxUnparsedText = 4096;

/** A stored mail: its envelope and its bytes as received. */
export interface MailEntry {
  id: string;
  envelope: Envelope;
  raw: Buffer;
}

export interface MailOutcome {
  event: AlarmEvent;
  /** Why the mail could not be parsed; it then belongs in quarantine. */
  unparsable?: string;
  /** A camera mail's attachments that were not kept as pictures, and why: for the log. */
  refusedImages?: StoredImages['refused'];
  /** Why a camera mail's pictures could not be stored: the event went out without them (an error line). */
  imagesFailed?: string;
}

/** What camera mails need: where their pictures go, and the user's cameras. */
export interface CameraIntake {
  snapshots: { put(attachments: Mail['attachments']): Promise<StoredImages> };
  cameras: readonly CameraConfig[];
  /** Local parts that make a mail a camera's (`smtp.camera_recipients` and the cameras' match_recipient). */
  addresses: readonly string[];
  /** The cameras made up from mails; one per intake is made when none is given. */
  roster?: CameraRoster;
}

/** One roster per intake that brings none, so that the cap holds for the whole run of that intake. */
const rosters = new WeakMap<CameraIntake, CameraRoster>();

function rosterOf(intake: CameraIntake): CameraRoster {
  if (intake.roster) return intake.roster;
  const known = rosters.get(intake);
  if (known) return known;
  const roster = new CameraRoster();
  rosters.set(intake, roster);
  return roster;
}

export async function eventFromMail(
  entry: MailEntry,
  profiles: readonly Profile[],
  routes: RouteTable,
  parser: MailParser,
  cameras?: CameraIntake,
): Promise<MailOutcome> {
  const route = routeOf(entry.envelope.recipients, routes);
  try {
    const mail = await parser.parse(entry.raw, entry.envelope);
    const camera =
      cameras &&
      readCameraMail(mail, route, { profiles, addresses: cameras.addresses, cameras: cameras.cameras, roster: rosterOf(cameras) });
    if (camera) {
      const stored = await cameras.snapshots.put(mail.attachments).then(
        (result) => ({ ...result, failed: undefined }),
        (error: unknown) => ({ images: [], refused: [], failed: error instanceof Error ? error.message : String(error) }),
      );
      const { images, refused, failed } = stored;
      // The user's rules may say what a camera's text means (e.g. make it an alarm); the camera still names itself.
      const rule =
        profiles.find((profile) => profile.name === 'rules')?.match([...linesOf(mail.text), mail.subject.trim()].filter(Boolean)) ??
        panelReading(camera.reading, { id: entry.id, mail }, profiles);
      const reading =
        !rule && isBarePicture(camera.source, camera.reading, mail) ? { ...camera.reading, type: 'motion' as const } : camera.reading;
      const event = cameraEvent({ id: entry.id, mail, route, source: camera.source, reading, camera: camera.camera, images, rule });
      return {
        event: cameFromSmtp(event),
        ...(refused.length > 0 ? { refusedImages: refused } : {}),
        ...(failed !== undefined ? { imagesFailed: failed } : {}),
      };
    }
    return { event: cameFromSmtp(classifyMail({ id: entry.id, mail, route }, profiles)) };
  } catch (error) {
    if (!(error instanceof MailUnparsable)) throw error;
    return { event: unparsedEvent(entry, route), unparsable: error.message };
  }
}

/**
 * A camera mail whose event the reader does not know may be a panel's alarm in a camera's grammar (an NVR's
 * `Alarm Event: Fire Alarm` on an alarm input): what the panel profiles make of it wins when they say alarm or
 * trouble, as it did before cameras, and the event keeps the camera and its pictures. Classified as if sent to a
 * status address, so that only the text, never the address's fallback, can say alarm.
 */
function panelReading(reading: CameraReading, mail: { id: string; mail: Mail }, profiles: readonly Profile[]): Match | undefined {
  if (reading.type !== 'unknown') return undefined;
  const classified = classifyMail({ ...mail, route: 'status' }, profiles);
  if (classified.category !== 'alarm' && classified.category !== 'trouble') return undefined;
  return { type: classified.type, category: classified.category, alarmState: classified.alarm_state, line: classified.text, details: {} };
}

/**
 * A picture mailed to a camera address whose text names no event, neither a camera's nor (checked before) a
 * panel's: a motion. Only for the generic reader: a vendor that names an event we do not know (`Alarm Event:
 * Disk Full`) has said what it is. Any real JPEG or PNG counts, also one too large to keep or not stored.
 */
function isBarePicture(source: string, reading: CameraReading, mail: Mail): boolean {
  return (
    source === genericCameraReader.name &&
    reading.type === 'unknown' &&
    mail.attachments.some((attachment) => 'contentType' in imageKindOf(attachment, Number.POSITIVE_INFINITY))
  );
}

/** Not dropped: to an alarm address it may be a real alarm, so it keeps the alarm category (and its SMS). */
function unparsedEvent(entry: MailEntry, route: Route): AlarmEvent {
  const raw = entry.raw.subarray(0, maxUnparsedText).toString('utf8');
  return {
    id: entry.id,
    time: entry.envelope.receivedAt,
    input: 'smtp',
    source: 'generic',
    category: route === 'alarm' ? 'alarm' : 'trouble',
    type: fallbackTypes.unparsed,
    alarm_state: null,
    zone: null,
    sensor: null,
    user: null,
    text: entry.raw.length > maxUnparsedText ? `${raw}…` : raw,
    from: entry.envelope.from,
    recipients: [...entry.envelope.recipients],
    subject: '',
  };
}

/** A mail's event says it came in by SMTP, just after its id and time (the JSON's other fields stay as they were). */
function cameFromSmtp(event: MailEvent): AlarmEvent {
  const { id, time, ...rest } = event;
  return { id, time, input: 'smtp', ...rest };
}
