// A camera's reading → the normalized event. A camera reports what it saw (`status`); only a mail the user sent to
// an alarm address makes it an alarm that triggers the panel, and even then not a test or the end of an event.
import type { AlarmEvent, MailEvent, Route } from '../../core/event.js';
import type { ImageRef } from '../../core/images.js';
import type { Mail } from '../../mail/mail.js';
import type { Match } from '../profile.js';
import type { CameraIdentity } from './identity.js';
import type { CameraReading } from './reading.js';

const maxSubjectLength = 500;

export interface CameraEventInput {
  id: string;
  mail: Mail;
  route: Route;
  /** The reader's name: the event's `source`. */
  source: string;
  reading: CameraReading;
  camera: CameraIdentity;
  images: ImageRef[];
  /** A user rule that matched the camera's text: its type, category and state win. */
  rule?: Match | undefined;
}

export function cameraEvent({ id, mail, route, source, reading, camera, images, rule }: CameraEventInput): MailEvent {
  const triggers = route === 'alarm' && reading.type !== 'test' && reading.phase !== 'stop';
  const decided: Pick<AlarmEvent, 'category' | 'type' | 'alarm_state' | 'text'> = rule
    ? { category: rule.category, type: rule.type, alarm_state: rule.alarmState, text: rule.line }
    : {
        category: triggers ? 'alarm' : reading.type === 'test' ? 'test' : 'status',
        type: reading.type,
        alarm_state: triggers ? 'triggered' : null,
        text: reading.text,
      };
  return {
    id,
    time: mail.envelope.receivedAt,
    source,
    category: decided.category,
    type: decided.type,
    alarm_state: decided.alarm_state,
    zone: null,
    sensor: camera.name,
    user: null,
    text: decided.text,
    from: mail.envelope.from || mail.headerFrom,
    recipients: [...mail.envelope.recipients],
    subject: mail.subject.trim().slice(0, maxSubjectLength),
    device: camera.id,
    images,
    device_time: reading.deviceTime,
    phase: reading.phase,
  };
}
