// Who may use the status page, checked on every request before any route: the address (this machine always, the
// allowed networks besides), the Host a browser asked for (an IP address, `localhost` or a name the user listed, so
// a web site that points its own name at the bridge cannot read it or send with it: DNS rebinding), and for a POST
// that it is not a cross-site request (a web page the user visits must not send test events through the browser).
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import { homeNetworks, isAllowedAddress, type Network, parseNetworks } from '../../core/networks.js';

const loopbackNetworks = parseNetworks(homeNetworks.filter((cidr) => cidr.startsWith('127.') || cidr === '::1/128'));

export interface AccessPolicy {
  /** The networks besides loopback (`http.allowed_networks`). */
  allowed: readonly Network[];
  /** Host names besides IP addresses and `localhost` (`http.host_names`, lower case); `*`: any. */
  hostNames: ReadonlySet<string>;
}

export function accessPolicy(allowedNetworks: readonly string[], hostNames: readonly string[]): AccessPolicy {
  return { allowed: parseNetworks(allowedNetworks), hostNames: new Set(hostNames.map((name) => name.toLowerCase())) };
}

/** Why the request is refused (403), or undefined. */
export function refusal(request: IncomingMessage, policy: AccessPolicy): string | undefined {
  const remote = request.socket.remoteAddress ?? '';
  if (!isAllowedAddress(remote, loopbackNetworks) && !isAllowedAddress(remote, policy.allowed)) return 'address not allowed';
  if (!knownHost(hostName(request.headers.host), policy.hostNames)) return 'unknown host name (add it to http.host_names)';
  if (request.method === 'POST') return crossSite(request);
  return undefined;
}

/**
 * A browser says where a request comes from in `Sec-Fetch-Site` (all current ones); an older one in `Origin`, which
 * must then name the host asked for (or the one a proxy such as Home Assistant's ingress forwarded). A request with
 * neither comes from a program (curl, a script), which no web page can make a browser send.
 */
function crossSite(request: IncomingMessage): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? undefined : 'cross-site request';
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return 'cross-site request';
  }
  const asked = [request.headers.host, request.headers['x-forwarded-host']].flat().filter((name) => name !== undefined);
  return asked.some((name) => name.toLowerCase() === originHost) ? undefined : 'cross-site request';
}

/** An address is no name a web site can point at us; `localhost` resolves here only. */
function knownHost(name: string, hostNames: ReadonlySet<string>): boolean {
  if (hostNames.has('*') || hostNames.has(name) || name === 'localhost') return true;
  const address = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return ipaddr.isValid(address);
}

/** `localhost:8099` → `localhost`, `[::1]:8099` → `[::1]`. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
  return (name ?? '').toLowerCase();
}
