// Who may talk to the intake and what it accepts: networks, credentials, recipients. Pure.
import { timingSafeEqual, createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { routeOf, type RouteTable } from '../events/route.js';
import { numberInAddress } from '../outputs/sms/phone.js';

export type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Loopback, private and link-local: a port forwarded to the internet by mistake still refuses the internet. */
export const homeNetworks = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'];

export function parseNetworks(cidrs: readonly string[]): Network[] {
  return cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
}

/** IPv4-mapped IPv6 addresses (`::ffff:192.168.1.20`, as a dual-stack listener reports them) count as IPv4. */
export function isAllowedAddress(remoteAddress: string, networks: readonly Network[]): boolean {
  if (!ipaddr.isValid(remoteAddress)) return false;
  const address = ipaddr.process(remoteAddress);
  return networks.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
}

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
