// The configuration as it may be logged: one start-up line with what a user checks first, and the whole
// configuration (for debug) with secrets, URL credentials and phone numbers taken out.
import { redactUrl } from '../log.js';
import { maskNumber, maskNumbersIn } from '../core/mask.js';
import { secretPaths, type Config } from './schema.js';

const redacted = '[redacted]';

/** Where the MQTT broker comes from when `mqtt.url` is empty. */
export type BrokerSource = 'supervisor' | 'embedded';

/** The facts of the one `info` line at start: enough to see which broker, provider and folder are in use. */
export function startSummary(config: Config, version: string, brokerSource: BrokerSource): Record<string, unknown> {
  const { smtp, mqtt, sms, telegram } = config;
  const broker = mqtt.url ? redactUrl(mqtt.url) : brokerSource === 'supervisor' ? 'from the Supervisor' : `embedded on ${mqtt.embedded_host}:${mqtt.embedded_port}`;
  return {
    version,
    smtp: `${smtp.host}:${smtp.port}`,
    mqtt: broker,
    sms: sms.provider === 'none' ? 'dry-run' : sms.provider,
    telegram: telegram.bot_token ? `${telegram.chat_ids.length} chat${telegram.chat_ids.length === 1 ? '' : 's'}` : 'off',
    rules: config.rules.length,
    data_dir: config.data_dir,
  };
}

/**
 * Every setting, for a debug line. Secrets are replaced here and not only by the logger's redaction paths, so the
 * value is safe wherever it is logged; they are the schema's `secretPaths`, so a secret added there is covered here.
 * Numbers keep their last four digits (a sender ID of letters stays readable).
 */
export function loggableConfig(config: Config): Config {
  const withoutSecrets = secretPaths.reduce<unknown>((value, path) => redactAt(value, path.split(/\.|(?=\[)/)), config) as Config;
  const { mqtt, sms, telegram } = withoutSecrets;
  return {
    ...withoutSecrets,
    mqtt: { ...mqtt, url: redactUrl(mqtt.url) },
    sms: { ...sms, recipients: sms.recipients.map(maskNumber), sender: maskNumbersIn(sms.sender), api_url: redactUrl(sms.api_url) },
    telegram: { ...telegram, chat_ids: telegram.chat_ids.map(maskNumber), api_url: redactUrl(telegram.api_url) },
  };
}

/**
 * A copy of `value` with the secret at `path` (`['smtp', 'users', '[*]', 'password']`, `[*]` for every item of a list)
 * replaced; an empty secret stays empty, so the dump still shows that none is set.
 */
function redactAt(value: unknown, [key, ...rest]: string[]): unknown {
  if (key === undefined) return typeof value === 'string' && value === '' ? value : redacted;
  if (key === '[*]') return Array.isArray(value) ? value.map((item: unknown) => redactAt(item, rest)) : value;
  if (!value || typeof value !== 'object' || !(key in value)) return value;
  return { ...(value as Record<string, unknown>), [key]: redactAt((value as Record<string, unknown>)[key], rest) };
}
