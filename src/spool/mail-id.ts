// Mail ids: sortable in the order they are given (time, then a counter), unique across restarts (random tail).
import { randomBytes } from 'node:crypto';

let lastStamp = '';
let counter = 0;

/**
 * e.g. `20261123T081114345Z-000000-9f3a0c1e`; file names in the spool sort in the order ids were given, also when
 * the clock is set back (a Raspberry Pi without a clock chip boots with an old time): the stamp never goes back.
 */
export function newMailId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  if (stamp > lastStamp) {
    lastStamp = stamp;
    counter = 0;
  } else {
    counter += 1;
  }
  return `${lastStamp}-${String(counter).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Ids given from now on sort after `id`: the newest one in the spool at start, whatever the clock says now. */
export function continueAfter(id: string): void {
  const [stamp = '', count = '0'] = id.split('-');
  if (stamp < lastStamp || (stamp === lastStamp && Number(count) <= counter)) return;
  lastStamp = stamp;
  counter = Number(count);
}
