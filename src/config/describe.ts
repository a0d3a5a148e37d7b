// The configuration as it may be logged: one start-up line with what a user checks first, and the whole
// configuration (for debug) with secrets, URL credentials and phone numbers taken out.

import { type ConfiguredValues, maskNumber, maskNumbersIn } from '../core/mask.js';
import { redactUrl } from '../log.js';
import { type Config, identifierPaths, secretPaths } from './schema.js';

const redacted = '[redacted]';

/** Where the MQTT broker comes from when `mqtt.url` is empty. */
export type BrokerSource = 'supervisor' | 'embedded';

/** The facts of the one `info` line at start: enough to see which broker, provider and folder are in use. */
export function startSummary(config: Config, version: string, brokerSource: BrokerSource): Record<string, unknown> {
  const { smtp, mqtt, sms, telegram } = config;
  const broker = mqtt.url
    ? redactUrl(mqtt.url)
    : brokerSource === 'supervisor'
      ? 'from the Supervisor'
      : `embedded on ${mqtt.embedded_host}:${mqtt.embedded_port}`;
  return {
    version,
    smtp: `${smtp.host}:${smtp.port}`,
    mqtt: broker,
    sms: sms.provider === 'none' ? 'dry-run' : `${sms.provider}${sms.fallback_provider ? ` (fallback ${sms.fallback_provider})` : ''}`,
    telegram: telegram.bot_token ? `${telegram.chat_ids.length} chat${telegram.chat_ids.length === 1 ? '' : 's'}` : 'off',
    rules: config.rules.length,
    data_dir: config.data_dir,
  };
}

/**
 * Every setting, for a debug line. Secrets are replaced here and not only by the logger's redaction paths, so the
 * value is safe wherever it is logged; they are the schema's `secretPaths`, so a secret added there is covered here.
 * Numbers and account ids (the schema's `identifierPaths`, Twilio's SID) keep their last four characters (a sender ID
 * of letters stays readable).
 */
export function loggableConfig(config: Config): Config {
  const redact = (value: string) => (value === '' ? value : redacted);
  const withSecretsRedacted = secretPaths.reduce<unknown>((value, path) => replaceAt(value, pathParts(path), redact), config);
  const withoutSecrets = identifierPaths.reduce<unknown>(
    (value, path) => replaceAt(value, pathParts(path), maskNumber),
    withSecretsRedacted,
  ) as Config;
  const { mqtt, sms, telegram } = withoutSecrets;
  return {
    ...withoutSecrets,
    mqtt: { ...mqtt, url: redactUrl(mqtt.url) },
    sms: { ...sms, recipients: sms.recipients.map(maskNumber), sender: maskNumbersIn(sms.sender), api_url: redactUrl(sms.api_url) },
    telegram: { ...telegram, chat_ids: telegram.chat_ids.map(maskNumber), api_url: redactUrl(telegram.api_url) },
  };
}

/**
 * The root logger's redaction paths (src/log.ts takes them from the composition root): each secret inside the
 * `config` field of main's debug line, a second guard beside `loggableConfig` should a line ever carry the raw value.
 */
export const logRedactPaths: readonly string[] = secretPaths.map((path) => `config.${path}`);

/** The values a text from outside must not quote in full (OutputContext.maskText): every secret and account id set. */
export function configuredValues(config: Config, env: NodeJS.ProcessEnv = process.env): ConfiguredValues {
  const at = (path: string) => valuesAt(config, pathParts(path));
  // Secrets that are no key of their own: a password inside a URL, and the Supervisor's token the add-on is given.
  const inUrls = [config.mqtt.url, config.sms.api_url, config.telegram.api_url].flatMap(urlPassword);
  const supervisorToken = env.SUPERVISOR_TOKEN ? [env.SUPERVISOR_TOKEN] : [];
  return { secrets: [...secretPaths.flatMap(at), ...inUrls, ...supervisorToken], identifiers: identifierPaths.flatMap(at) };
}

function urlPassword(url: string): string[] {
  if (!url) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}

/** `smtp.users[*].password` → `['smtp', 'users', '[*]', 'password']`. */
function pathParts(path: string): string[] {
  return path.split(/\.|(?=\[)/);
}

/**
 * A copy of `value` with the string at `path` (`[*]` for every item of a list) replaced; an empty secret stays empty,
 * so the dump still shows that none is set.
 */
function replaceAt(value: unknown, [key, ...rest]: string[], replace: (text: string) => string): unknown {
  if (key === undefined) return typeof value === 'string' ? replace(value) : redacted;
  if (key === '[*]') return Array.isArray(value) ? value.map((item: unknown) => replaceAt(item, rest, replace)) : value;
  if (!value || typeof value !== 'object' || !(key in value)) return value;
  return { ...(value as Record<string, unknown>), [key]: replaceAt((value as Record<string, unknown>)[key], rest, replace) };
}

/** The non-empty strings at `path`. */
function valuesAt(value: unknown, [key, ...rest]: string[]): string[] {
  if (key === undefined) return typeof value === 'string' && value !== '' ? [value] : [];
  if (key === '[*]') return Array.isArray(value) ? value.flatMap((item: unknown) => valuesAt(item, rest)) : [];
  if (!value || typeof value !== 'object' || !(key in value)) return [];
  return valuesAt((value as Record<string, unknown>)[key], rest);
}
