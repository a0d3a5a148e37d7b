// How the bridge would read a mail, for the status page's "Try a mail": the same parser, profiles, routes and
// cameras as a real mail's, with nothing stored (no spool record, no snapshot, no camera remembered) or delivered.
import type { Envelope } from '../core/envelope.js';
import type { AlarmEvent } from '../core/event.js';
import type { RouteTable } from '../core/route.js';
import { routeOf } from '../core/route.js';
import type { MailParser } from '../mail/isolated-parser.js';
import { CameraRoster } from '../sources/camera/identity.js';
import type { Profile } from '../sources/profile.js';
import { type CameraIntake, eventFromMail } from './to-event.js';

/** A mail as the bridge would read it, for `BridgeView.classify`: the raw message and, optionally, its recipients. */
export interface MailToTry {
  raw: Buffer;
  /** RCPT TO; the first alarm address when absent. */
  recipients?: readonly string[];
}

/** What the bridge would make of a mail: its event (nothing stored or delivered) and how it got there. */
export interface TriedMail {
  /** The event, without id and time that mean nothing here. */
  event: Omit<AlarmEvent, 'id' | 'time' | 'input'>;
  /** `alarm`, `status`, `camera` or `other`, by the recipients. */
  route: string;
  /** Why the MIME parser could not read it. */
  unparsable?: string;
}

/** A mail is being tried already: one at a time, so that a person pasting cannot take the machine's CPU. */
export class TrialBusy extends Error {
  override name = 'TrialBusy';
}

export interface MailTrialDependencies {
  /**
   * A parser of the trial's own for each mail tried, never the mail path's: a pasted mail that hangs mailparser must
   * not hold up the panel's alarm behind it in the same queue. Closed after the mail.
   */
  parser: () => MailParser & { close(): Promise<void> };
  profiles: readonly Profile[];
  routes: Required<RouteTable>;
  cameras: Omit<CameraIntake, 'snapshots' | 'roster'>;
}

/** A line or a whole mail: text without a header block is taken as a mail's body. */
export function mailTrial({ parser, profiles, routes, cameras }: MailTrialDependencies): (mail: MailToTry) => Promise<TriedMail> {
  // Cameras made up from tried mails stay here: the real roster (and cameras.json) never hears of them.
  const roster = new CameraRoster();
  const intake: CameraIntake = { ...cameras, roster, snapshots: { put: async () => ({ images: [], refused: [] }) } };
  let busy = false;
  return async ({ raw, recipients }) => {
    if (busy) throw new TrialBusy('a mail is being tried already');
    const alarmAddress = `${routes.alarm[0] ?? 'alarm'}@alarm-mail-bridge.invalid`;
    const envelope: Envelope = {
      from: '',
      recipients: recipients && recipients.length > 0 ? [...recipients] : [alarmAddress],
      receivedAt: new Date().toISOString(),
      remoteAddress: 'status page',
    };
    const message = looksLikeMail(raw) ? raw : Buffer.concat([Buffer.from('Content-Type: text/plain; charset=utf-8\r\n\r\n'), raw]);
    busy = true;
    const trialParser = parser();
    try {
      const { event, unparsable } = await eventFromMail({ id: 'tried', envelope, raw: message }, profiles, routes, trialParser, intake);
      const { id: _id, time: _time, input: _input, ...rest } = event;
      return { event: rest, route: routeOf(envelope.recipients, routes), ...(unparsable === undefined ? {} : { unparsable }) };
    } finally {
      busy = false;
      await trialParser.close();
    }
  };
}

/** A header line (`Name: value`) first and an empty line after the header block: a mail, not a body line. */
function looksLikeMail(raw: Buffer): boolean {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  return /^[!-9;-~]+:[ \t]?.*\r?\n/u.test(head) && /\r?\n\r?\n/u.test(head);
}
