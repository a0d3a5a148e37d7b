// What the intake accepts: credentials and recipients. Pure. (Which networks may connect: core/networks.ts.)
import { createHash, timingSafeEqual } from 'node:crypto';
import { type RouteTable, routeOf } from '../core/route.js';

export interface RecipientPolicy extends RouteTable {
  /** Addresses an output takes by itself, e.g. the SMS output's number addresses (`+4915112345678@…`). */
  outputAddress: (address: string) => boolean;
}

/** Only addresses that mean something; the bridge relays nothing anywhere, so it is never an open relay. */
export function acceptsRecipient(address: string, policy: RecipientPolicy): boolean {
  return routeOf([address], policy) !== 'other' || policy.outputAddress(address);
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
