// Networks as the configuration names them and the intake checks them: shared by config (defaults) and intake.
import ipaddr from 'ipaddr.js';

export type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Loopback, private and link-local: a port forwarded to the internet by mistake still refuses the internet. */
export const homeNetworks = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

export function parseNetworks(cidrs: readonly string[]): Network[] {
  return cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
}

/** IPv4-mapped IPv6 addresses (`::ffff:192.168.1.20`, as a dual-stack listener reports them) count as IPv4. */
export function isAllowedAddress(remoteAddress: string, networks: readonly Network[]): boolean {
  if (!ipaddr.isValid(remoteAddress)) return false;
  const address = ipaddr.process(remoteAddress);
  return networks.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
}
