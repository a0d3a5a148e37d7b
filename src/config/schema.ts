// The one configuration schema: it gives the type, the defaults and the checks.
// Keys stay flat (two levels at most) so the add-on's options form can carry them.
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { maskNumber } from '../core/mask.js';
import { toE164 } from '../core/phone.js';
import { homeNetworks } from '../core/networks.js';

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error']);

/** An envelope local part such as `alarm`; compared case-insensitively. */
const localPart = z
  .string()
  .min(1)
  .regex(/^[^@\s]+$/, 'a local part without "@" or spaces, e.g. "alarm"')
  .transform((value) => value.toLowerCase());

/** Topic levels of our own; wildcards or empty levels would publish where no one listens. */
const topicPrefix = z
  .string()
  .min(1)
  .regex(/^[^#+]+$/, 'a topic without the wildcards "+" or "#"')
  .refine((value) => !value.startsWith('/') && !value.endsWith('/'), 'no leading or trailing "/"');

const alarmState = z.enum(['disarmed', 'armed_home', 'armed_away', 'triggered']);
const category = z.enum(['alarm', 'status', 'trouble', 'test']);

/** A user rule: tried before the built-in profiles, first match wins. */
const rule = z
  .object({
    /** Regular expression (case-insensitive) tried on each line of the mail; named groups zone, sensor, user are taken over. */
    match: z.string().min(1).refine(isValidRegex, 'a valid regular expression'),
    type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case event type, e.g. "garage_open"'),
    category,
    /** The panel state after such an event; null leaves it unchanged. */
    alarm_state: alarmState.nullable().default(null),
  })
  .strict();

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
    max_message_kb: z.number().int().min(1).max(1024 * 1024).default(10240),
    alarm_recipients: z.array(localPart).default(['alarm']),
    status_recipients: z.array(localPart).default(['status']),
    /** off: no AUTH offered; accept_any: any credentials (the XT1 and cameras send some); required: only `users`. */
    auth: z.enum(['off', 'accept_any', 'required']).default('accept_any'),
    users: z.array(z.object({ username: z.string().min(1), password: z.string().min(1) }).strict()).default([]),
    /** Plain-text AUTH without TLS for `required` (old panels cannot do TLS). */
    allow_insecure_auth: z.boolean().default(false),
    allowed_networks: z.array(z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), 'a network such as "192.168.1.0/24" or "fd00::/8"')).default(homeNetworks),
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
    if (value.auth === 'required' && value.users.length === 0) context.addIssue({ code: 'custom', path: ['users'], message: 'at least one user for auth: required' });
    if (value.auth === 'required' && value.tls.mode === 'off' && !value.allow_insecure_auth) {
      context.addIssue({ code: 'custom', path: ['allow_insecure_auth'], message: 'auth: required without TLS sends passwords in clear: set tls or allow_insecure_auth: true' });
    }
    if (value.tls.mode !== 'off' && (!value.tls.cert || !value.tls.key)) {
      context.addIssue({ code: 'custom', path: ['tls'], message: `tls.mode ${value.tls.mode} needs cert and key files (never the SMTP library's built-in key, which is public)` });
    }
  });

const mqtt = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|ssl):\/\/.+/, 'empty or a URL such as "mqtt://host:1883" or "mqtts://host:8883"')
      .or(z.literal(''))
      .default(''),
    username: z.string().default(''),
    password: z.string().default(''),
    topic_prefix: topicPrefix.default('alarm-mail-bridge'),
    discovery_prefix: topicPrefix.default('homeassistant'),
    /** Home Assistant discovery; off removes the entities an earlier run announced. */
    discovery: z.boolean().default(true),
    /** Seconds a zone's motion sensor stays on after IR Activity (the XT1 sends no "motion ended"). */
    motion_off_delay: z.number().int().min(1).max(3600).default(30),
    /** Number addresses such as `+4915112345678@sms.local` in an event's from and recipients in full on MQTT; masked (`…5678`) by default. */
    full_addresses: z.boolean().default(false),
    /** Where the embedded broker listens when no url is set; loopback unless the user opens it. */
    embedded_host: z.string().min(1).default('127.0.0.1'),
    embedded_port: z.number().int().min(0).max(65535).default(1883),
  })
  .strict();

const sms = z
  .object({
    /** none: dry-run, logs what would be sent. */
    provider: z.enum(['none', 'cm', 'twilio']).default('none'),
    /** Default numbers in any common notation; normalized to E.164 at start. */
    recipients: z.array(z.string().min(1)).default([]),
    default_region: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as "DE"').default('DE'),
    send_on: z.array(category).default(['alarm', 'trouble']),
    /** CM: sender ID (at most 11 letters or a number); Twilio: the From number. */
    sender: z.string().default(''),
    template: z.string().min(1).default('{text}'),
    max_per_hour: z.number().int().min(1).max(1000).default(10),
    max_parts: z.number().int().min(1).max(8).default(3),
    /** How long temporary failures (network, 429, 5xx) are retried before giving up. */
    retry_minutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    api_url: z.string().regex(/^https?:\/\/[^\s]+$/, 'empty or an http(s) URL').or(z.literal('')).default(''),
    cm: z.object({ product_token: z.string().default('') }).strict().prefault({}),
    twilio: z
      .object({ account_sid: z.string().default(''), auth_token: z.string().default(''), messaging_service_sid: z.string().default('') })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((value, context) => {
    value.recipients.forEach((number, index) => {
      if (!toE164(number, value.default_region)) {
        // The error is logged: the path finds the entry, so a number long enough to be someone's keeps its last four digits only.
        const shown = number.replace(/\D/g, '').length >= 7 ? maskNumber(number) : number;
        context.addIssue({ code: 'custom', path: ['recipients', index], message: `"${shown}" is not a valid phone number (region ${value.default_region})` });
      }
    });
    const missing = (path: string[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (value.provider === 'cm') {
      if (!value.cm.product_token) missing(['cm', 'product_token'], 'required for provider cm');
      if (!value.sender) missing(['sender'], 'required for provider cm (sender ID or number)');
    }
    if (value.provider === 'twilio') {
      if (!value.twilio.account_sid) missing(['twilio', 'account_sid'], 'required for provider twilio');
      if (!value.twilio.auth_token) missing(['twilio', 'auth_token'], 'required for provider twilio');
      if (!value.sender && !value.twilio.messaging_service_sid) missing(['sender'], 'required for provider twilio unless twilio.messaging_service_sid is set');
    }
  })
  .transform((value) => ({ ...value, recipients: value.recipients.map((number) => toE164(number, value.default_region) ?? number) }));

export const configSchema = z
  .object({
    log_level: logLevel.default('info'),
    data_dir: z.string().min(1).default('./data'),
    smtp: smtp.prefault({}),
    mqtt: mqtt.prefault({}),
    sms: sms.prefault({}),
    rules: z.array(rule).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type RuleConfig = z.infer<typeof rule>;
export type LogLevel = z.infer<typeof logLevel>;

/** Paths of values that must never reach a log line or an MQTT payload. */
export const secretPaths = ['mqtt.password', 'sms.cm.product_token', 'sms.twilio.auth_token', 'smtp.users[*].password'] as const;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}
