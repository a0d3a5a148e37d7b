// Mail ids: sortable in the order they are given (time, then a counter), unique across restarts (random tail).
import { randomBytes } from 'node:crypto';

let lastStamp = '';
let counter = 0;

/** e.g. `20261123T081114345Z-000000-9f3a0c1e`; file names in the spool sort in the order ids were given. */
export function newMailId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  counter = stamp === lastStamp ? counter + 1 : 0;
  lastStamp = stamp;
  return `${stamp}-${String(counter).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}
