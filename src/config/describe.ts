// The configuration as it may be logged: one start-up line with what a user checks first, and the whole
// configuration (for debug) with secrets, URL credentials and phone numbers taken out.
import { redactUrl } from '../log.js';
import { maskNumber, maskNumbersIn } from '../core/mask.js';
import type { Config } from './schema.js';

const redacted = '[redacted]';

/** Where the MQTT broker comes from when `mqtt.url` is empty. */
export type BrokerSource = 'supervisor' | 'embedded';

/** The facts of the one `info` line at start: enough to see which broker, provider and folder are in use. */
export function startSummary(config: Config, version: string, brokerSource: BrokerSource): Record<string, unknown> {
  const { smtp, mqtt, sms } = config;
  const broker = mqtt.url ? redactUrl(mqtt.url) : brokerSource === 'supervisor' ? 'from the Supervisor' : `embedded on ${mqtt.embedded_host}:${mqtt.embedded_port}`;
  return {
    version,
    smtp: `${smtp.host}:${smtp.port}`,
    mqtt: broker,
    sms: sms.provider === 'none' ? 'dry-run' : sms.provider,
    rules: config.rules.length,
    data_dir: config.data_dir,
  };
}

/**
 * Every setting, for a debug line. Secrets are replaced here and not only by the logger's redaction paths, so the
 * value is safe wherever it is logged; numbers keep their last four digits (a sender ID of letters stays readable).
 */
export function loggableConfig(config: Config): Config {
  const { smtp, mqtt, sms } = config;
  return {
    ...config,
    smtp: { ...smtp, users: smtp.users.map((user) => ({ ...user, password: redacted })) },
    mqtt: { ...mqtt, url: redactUrl(mqtt.url), password: mqtt.password && redacted },
    sms: {
      ...sms,
      recipients: sms.recipients.map(maskNumber),
      sender: maskNumbersIn(sms.sender),
      api_url: redactUrl(sms.api_url),
      cm: { product_token: sms.cm.product_token && redacted },
      twilio: { ...sms.twilio, auth_token: sms.twilio.auth_token && redacted },
    },
  };
}
