// The one configuration schema: it gives the type, the defaults and the checks. The core sections are here; each
// output's and feature's section comes from its module (outputs/registry.ts, features/registry.ts). Keys stay flat (two levels at most) so the
// add-on's options form can carry them.

import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { contactIdSection } from '../contact-id/config.js';
import { homeNetworks } from '../core/networks.js';
import { logFormatSettings, logLevels } from '../log.js';
import { snapshotsSection } from '../snapshots/config.js';
import { cameraConfig } from '../sources/camera/identity.js';
import { ruleSchema } from '../sources/rules/config.js';
import { moduleSections, sectionModules } from './sections.js';

const logLevel = z.enum(logLevels);
/** auto: pretty on a terminal and in the add-on, JSON when stdout goes elsewhere (src/log.ts). */
const logFormat = z.enum(logFormatSettings);

/** An envelope local part such as `alarm`; compared case-insensitively. */
const localPart = z
  .string()
  .min(1)
  .regex(/^[^@\s]+$/, 'a local part without "@" or spaces, e.g. "alarm"')
  .transform((value) => value.toLowerCase());

const tls = z
  .object({
    /** The XT1's "SSL" box means implicit TLS. */
    mode: z.enum(['off', 'starttls', 'implicit']).default('off'),
    cert: z.string().default(''),
    key: z.string().default(''),
    /** Old panels speak old TLS; below TLSv1.2 OpenSSL's security level is lowered for them. */
    min_version: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  })
  .strict();

const smtp = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(2525),
    max_message_kb: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .default(10240),
    alarm_recipients: z.array(localPart).default(['alarm']),
    status_recipients: z.array(localPart).default(['status']),
    /** Local parts that mean "a camera's mail" (vendors the bridge knows are recognised at any address too). */
    camera_recipients: z.array(localPart).default(['camera']),
    /** off: no AUTH offered; accept_any: any credentials (the XT1 and cameras send some); required: only `users`. */
    auth: z.enum(['off', 'accept_any', 'required']).default('accept_any'),
    users: z.array(z.object({ username: z.string().min(1), password: z.string().min(1) }).strict()).default([]),
    /** Plain-text AUTH without TLS for `required` (old panels cannot do TLS). */
    allow_insecure_auth: z.boolean().default(false),
    allowed_networks: z
      .array(z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), 'a network such as "192.168.1.0/24" or "fd00::/8"'))
      .default(homeNetworks),
    max_clients: z.number().int().min(1).max(10_000).default(50),
    max_clients_per_address: z.number().int().min(1).max(10_000).default(10),
    max_recipients: z.number().int().min(1).max(1000).default(10),
    /** Seconds a client may stay silent, and may stay connected at all. */
    idle_timeout: z.number().int().min(1).max(3600).default(60),
    session_timeout: z.number().int().min(1).max(86_400).default(600),
    tls: tls.prefault({}),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.auth === 'required' && value.users.length === 0)
      context.addIssue({ code: 'custom', path: ['users'], message: 'at least one user for auth: required' });
    if (value.auth === 'required' && value.tls.mode === 'off' && !value.allow_insecure_auth) {
      context.addIssue({
        code: 'custom',
        path: ['allow_insecure_auth'],
        message: 'auth: required without TLS sends passwords in clear: set tls or allow_insecure_auth: true',
      });
    }
    if (value.tls.mode !== 'off' && (!value.tls.cert || !value.tls.key)) {
      context.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `tls.mode ${value.tls.mode} needs cert and key files (never the SMTP library's built-in key, which is public)`,
      });
    }
  });

export const configSchema = z
  .object({
    log_level: logLevel.default('info'),
    log_format: logFormat.default('auto'),
    data_dir: z.string().min(1).default('./data'),
    smtp: smtp.prefault({}),
    contact_id: contactIdSection.prefault({}),
    ...moduleSections,
    rules: z.array(ruleSchema).default([]),
    cameras: z
      .array(cameraConfig)
      .default([])
      .superRefine((cameras, context) => {
        const seen = new Set<string>();
        for (const [index, camera] of cameras.entries()) {
          if (seen.has(camera.id))
            context.addIssue({ code: 'custom', path: [index, 'id'], message: `camera id "${camera.id}" is used twice` });
          seen.add(camera.id);
        }
      }),
    snapshots: snapshotsSection.prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Paths of values that must never reach a log line or an MQTT payload: the modules' secrets and SMTP passwords. */
export const secretPaths: readonly string[] = [
  ...sectionModules.flatMap((module) => (module.secrets ?? []).map((path) => `${module.name}.${path}`)),
  'smtp.users[*].password',
];

/** Paths of account ids (Twilio's SID) that are shown with their last four characters only, like phone numbers. */
export const identifierPaths: readonly string[] = sectionModules.flatMap((module) =>
  (module.identifiers ?? []).map((path) => `${module.name}.${path}`),
);
