// Dahua and Amcrest (Dahua inside) cameras and NVRs: a body of fields, often base64, sometimes HTML:
//   Alarm Event: Motion Detection                     (IVS Tripwire, IVS Intrusion, Human Detection, Video Loss, …;
//                                                      some models mail "Motion Detection Start" and "… Stop")
//   Alarm Input Channel: 1
//   Alarm Input Channel Name: Einfahrt                (NVRs: the channel's camera)
//   Alarm Start Time(D/M/Y H:M:S): 23/12/2021 10:27:46 (the device's clock, no zone)
//   Alarm Device Name: IPC06
import type { Mail } from '../../mail/mail.js';
import { eventTypeOfWords, phaseOfWords } from '../camera/event-words.js';
import { cameraNameOf } from '../camera/name-in-text.js';
import type { CameraReader, CameraReading } from '../camera/reading.js';
import { fieldMatching, fieldsOf, linesOf, orNull } from '../camera/text.js';

export const dahuaReader: CameraReader = {
  name: 'dahua',

  claims(mail: Mail): boolean {
    const fields = fieldsOf(linesOf(mail.text));
    return (
      fields.has('alarm event') &&
      (fields.has('alarm input channel') ||
        fields.has('alarm device name') ||
        fieldMatching(fields, /^alarm (?:start|stop) time/u) !== undefined)
    );
  },

  read(mail: Mail): CameraReading {
    const fields = fieldsOf(linesOf(mail.text));
    const event = fields.get('alarm event');
    const eventText = event?.value ?? mail.subject;
    return {
      type: eventTypeOfWords(eventText) ?? 'unknown',
      camera: orNull(fields.get('alarm input channel name')?.value) ?? orNull(fields.get('alarm device name')?.value) ?? cameraNameOf(mail),
      phase: phaseOfWords(eventText),
      deviceTime: orNull(fieldMatching(fields, /^alarm (?:start|stop) time/u)?.value),
      text: event?.line ?? mail.subject,
    };
  },
};
