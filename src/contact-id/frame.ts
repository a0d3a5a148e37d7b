// A Contact ID report as the Lupusec XT1 sends it over TCP (timbocgn/xtcontactid, schmupu/ioBroker.contactid):
// `[<account> 18<Q><EEE><GG><ZZZ><CCCC>]`, e.g. `[test 18313100003D504]`. Q is the qualifier (1 new event or
// opening, 3 restore or closing, 6 still present), EEE the event code, GG the partition, ZZZ the zone or user, CCCC
// four hex digits: a Fletcher sum modulo 256 (not Fletcher-16's 255) of every byte between `[` and CCCC, the high
// byte the running sum of sums, as xtcontactid computes it. Pure.

/** The fields of a report whose checksum and shape are right. */
export interface ContactIdFrame {
  account: string;
  /** 1, 3 or 6. */
  qualifier: number;
  /** Three digits, e.g. `130`. */
  code: string;
  /** Two digits, e.g. `01`. */
  partition: string;
  /** Three digits: the zone, or the user for open/close codes (4xx). */
  zone: string;
}

export type FrameReading = { ok: true; frame: ContactIdFrame } | { ok: false; problem: string };

/** `[` + account + ` 18` + 11 digits + 4 hex + `]`: an account of at most 32 characters makes at most 52 bytes. */
export const maxFrameBytes = 64;

const shape =
  /^\[(?<account>[A-Za-z0-9_-]{1,32}) 18(?<qualifier>[136])(?<code>[0-9A-F]{3})(?<partition>[0-9A-F]{2})(?<zone>[0-9A-F]{3})\]$/u;

/** The checksum of the bytes between `[` and the checksum, as four upper-case hex digits. */
export function contactIdChecksum(body: string): string {
  let sum = 0;
  let sumOfSums = 0;
  for (let index = 0; index < body.length; index++) {
    sum = (sum + (body.charCodeAt(index) & 0xff)) & 0xff;
    sumOfSums = (sumOfSums + sum) & 0xff;
  }
  return ((sumOfSums << 8) | sum).toString(16).toUpperCase().padStart(4, '0');
}

/** Reads one frame, brackets included (latin1 text); a wrong checksum or shape is a problem, never an exception. */
export function readFrame(text: string): FrameReading {
  if (text.length > maxFrameBytes) return { ok: false, problem: 'too long for a Contact ID report' };
  if (!text.startsWith('[') || !text.endsWith(']') || text.length < 7) return { ok: false, problem: 'not a Contact ID report' };
  const body = text.slice(1, -5);
  const given = text.slice(-5, -1).toUpperCase();
  if (!/^[0-9A-F]{4}$/u.test(given)) return { ok: false, problem: 'no checksum' };
  const expected = contactIdChecksum(body);
  if (given !== expected) return { ok: false, problem: `checksum ${given} where ${expected} was expected` };
  const fields = shape.exec(`[${body}]`)?.groups;
  if (!fields) return { ok: false, problem: 'checksum right, but not a Contact ID (18) report' };
  return {
    ok: true,
    frame: {
      account: fields.account!,
      qualifier: Number(fields.qualifier),
      code: fields.code!,
      partition: fields.partition!,
      zone: fields.zone!,
    },
  };
}

/** The frame with its checksum, as a panel sends it (tests, and a report told back in the log). */
export function frameOf({ account, qualifier, code, partition, zone }: ContactIdFrame): string {
  const body = `${account} 18${qualifier}${code}${partition}${zone}`;
  return `[${body}${contactIdChecksum(body)}]`;
}
