// Hikvision IP cameras (IPC) and recorders (DVR/NVR). They name themselves in `X-Mailer: HIKMailer` (newer
// firmware) and open the body with "This is an automatically generated e-mail from your IPC." (or DVR, NVR),
// followed by fields:
//   EVENT TYPE:    Motion Detection          (Line Crossing Detection, Intrusion Detection, Video Signal Loss, …)
//   EVENT TIME:    2015-05-22,14:52:18       (the device's clock, no zone)
//   IPC NAME:      Garten                    (an IPC; CHANNEL NAME is often the default "Camera 01")
//   CAMERA NAME(NUM):  CAM 2 Garage(A2)      (a recorder: the channel's camera, the sender is the same for all)
//   TARGET TYPE:   Human | Vehicle           (smart events of AcuSense models)
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords } from '../camera/event-words.js';
import { cameraNameOf } from '../camera/name-in-text.js';
import type { CameraReader, CameraReading } from '../camera/reading.js';
import { fieldsOf, linesOf, orNull } from '../camera/text.js';

const generatedBy = /automatically generated e-mail from your (?:IPC|DVR|NVR|device)/iu;

export const hikvisionReader: CameraReader = {
  name: 'hikvision',

  claims(mail: Mail): boolean {
    if (/\bHIKMailer\b/iu.test(mail.mailer ?? '')) return true;
    const lines = linesOf(mail.text);
    if (lines.some((line) => generatedBy.test(line))) return true;
    const fields = fieldsOf(lines);
    return fields.has('event type') && (fields.has('ipc name') || fields.has('camera name(num)') || fields.has('dvr name'));
  },

  read(mail: Mail): CameraReading {
    const fields = fieldsOf(linesOf(mail.text));
    const event = fields.get('event type');
    // Without the field, the subject's last part names the event: `IPC: on Camera1: Intrusion Detection`.
    const eventText = event?.value ?? mail.subject.split(':').pop() ?? '';
    let type = eventTypeOfWords(eventText) ?? 'unknown';
    // A plain motion event of a model that tells humans from vehicles: the target is what the user wants to know.
    // Smart events keep their own type (a human crossing a line is a line crossing).
    const target = fields.get('target type')?.value ?? '';
    if (type === 'motion' && /human|person/iu.test(target)) type = 'person';
    if (type === 'motion' && /vehicle/iu.test(target)) type = 'vehicle';
    return {
      type,
      camera: cameraName(fields) ?? cameraNameOf(mail),
      phase: null,
      deviceTime: orNull(fields.get('event time')?.value),
      text: event?.line ?? mail.subject,
    };
  },
};

/** `CAM 2 Garage(A2)` → `CAM 2 Garage`; else the IPC's own name; else the channel's. */
function cameraName(fields: ReturnType<typeof fieldsOf>): string | null {
  const recorderChannel = fields.get('camera name(num)')?.value;
  if (recorderChannel) return orNull(recorderChannel.replace(/\s*\([^)]*\)\s*$/u, ''));
  return orNull(fields.get('ipc name')?.value) ?? orNull(fields.get('channel name')?.value);
}
