// The route of a mail: which kind of address the sender used. The XT1 says "alarm" in no other way.
import type { Route } from './event.js';

export interface RouteTable {
  /** Lower-case local parts. */
  alarm: readonly string[];
  status: readonly string[];
  /** Camera addresses (`camera`, and configured cameras' own); absent where no cameras are known. */
  camera?: readonly string[];
}

/** An alarm address among the recipients wins: missing an alarm is worse than a false status. */
export function routeOf(recipients: readonly string[], table: RouteTable): Route {
  const localParts = recipients.map(localPartOf);
  if (localParts.some((local) => table.alarm.includes(local))) return 'alarm';
  // A camera address says more than a status address: the mail gets the camera's reading.
  if (table.camera && localParts.some((local) => table.camera!.includes(local))) return 'camera';
  if (localParts.some((local) => table.status.includes(local))) return 'status';
  return 'other';
}

export function localPartOf(address: string): string {
  const at = address.lastIndexOf('@');
  return (at === -1 ? address : address.slice(0, at)).toLowerCase();
}
