// The `http` section: where the status page, the metrics and the health check listen, and who may reach them.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export const httpSection = z
  .object({
    /** Loopback by default: the page can send test events and retry quarantined mails, so it is not for the LAN by itself. */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 turns the server off. */
    port: z.number().int().min(0).max(65_535).default(8099),
    /** Who besides this machine (always allowed) may use it when `host` is not loopback. */
    allowed_networks: z
      .array(z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), 'a network such as "192.168.1.0/24" or "fd00::/8"'))
      .default([]),
    /**
     * Names browsers reach it by besides an IP address and `localhost` (`pi.local`): any other is refused, so a web
     * site that points its own name at the bridge cannot use it through the browser (DNS rebinding). `*`: any.
     */
    host_names: z.array(z.string().regex(/^(\*|[a-z0-9.-]+)$/iu, 'a host name such as "pi.local"')).default([]),
  })
  .strict();

export type HttpSettings = z.output<typeof httpSection>;

/** Home Assistant's ingress proxy: the only address the add-on's page answers besides the container itself. */
export const supervisorIngress = '172.30.32.2/32';

/**
 * The add-on's fixed section: on every interface of the container (the ingress proxy reaches it there), 8099. Any
 * host name: the proxy passes on the name the browser used for Home Assistant, and no browser reaches the container
 * but through it (no host port is published).
 */
export const addonHttp: HttpSettings = { host: '0.0.0.0', port: 8099, allowed_networks: [supervisorIngress], host_names: ['*'] };
