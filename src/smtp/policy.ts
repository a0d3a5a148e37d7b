// What the intake accepts: credentials and recipients. Pure. (Which networks may connect: core/networks.ts.)
import { timingSafeEqual, createHash } from 'node:crypto';
import { routeOf, type RouteTable } from '../core/route.js';
import { numberInAddress } from '../core/phone.js';

export interface RecipientPolicy extends RouteTable {
  defaultRegion: string;
}

/**
 * Only addresses that mean something; the bridge relays nothing anywhere, so it is never an open relay. Phone number
 * addresses (`+4915112345678@…`) are accepted also in SMS dry-run, so routing can be tried before a provider is paid.
 */
export function acceptsRecipient(address: string, policy: RecipientPolicy): boolean {
  if (routeOf([address], policy) !== 'other') return true;
  return numberInAddress(address, policy.defaultRegion) !== undefined;
}

export interface User {
  username: string;
  password: string;
}

/** Constant-time comparison, so the answer's timing tells nothing about the password. */
export function checkCredentials(users: readonly User[], username: string, password: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  let found = false;
  for (const user of users) {
    const match = timingSafeEqual(digest(user.username), digest(username)) && timingSafeEqual(digest(user.password), digest(password));
    found ||= match;
  }
  return found;
}
