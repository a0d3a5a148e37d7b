// `alarm-mail-bridge --check`: what a start with this configuration would do, as text, without starting anything —
// no port bound, no data_dir lock, no file written. Secrets and numbers are masked as in the log.
import { access, constants } from 'node:fs/promises';
import { type BrokerSource, configuredValues, startSummary } from '../config/describe.js';
import type { Config } from '../config/schema.js';
import { configuredValuesMasker, maskNumber, maskNumbersIn } from '../core/mask.js';
import { redactUrl } from '../log.js';
import { buildProfiles } from '../sources/registry.js';
import { fileUnreadable } from '../start/start-failed.js';

export interface CheckContext {
  version: string;
  /** Where the configuration came from: a file, the add-on's options, or the defaults. */
  source: string;
  brokerSource: BrokerSource;
  /** What the Supervisor said about the broker (add-on without mqtt.url), or why it was not asked. */
  supervisorNote?: string;
}

/** The files a start reads before it listens (TLS certificate and key): a missing one fails the check as it would the start. */
export async function checkFiles(config: Config): Promise<void> {
  const { tls } = config.smtp;
  if (tls.mode === 'off') return;
  for (const [key, path] of [
    ['smtp.tls.cert', tls.cert],
    ['smtp.tls.key', tls.key],
  ] as const) {
    await access(path, constants.R_OK).catch((error: unknown) => Promise.reject(fileUnreadable(key, path, error)));
  }
}

/** The report, line by line. */
export function checkReport(config: Config, context: CheckContext): string {
  const { smtp, mqtt, sms, telegram } = config;
  const summary = startSummary(config, context.version, context.brokerSource);
  const profiles = buildProfiles(config.rules);
  const lineProfiles = profiles.filter((profile) => !profile.camera && profile.name !== 'rules').map((profile) => profile.name);
  const cameraProfiles = profiles.filter((profile) => profile.camera).map((profile) => profile.name);
  const cameraAddresses = config.cameras.flatMap((camera) => (camera.match_recipient ? [`${camera.match_recipient} (${camera.id})`] : []));
  const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
  const lines = [
    `The configuration from ${context.source} is valid. A start would do this:`,
    `start line: starting Alarm Mail Bridge ${JSON.stringify(summary)}`,
    '',
    `routes (recipient local parts, any domain; SMTP on ${smtp.host}:${smtp.port}, auth ${smtp.auth}, TLS ${smtp.tls.mode}):`,
    `  alarm:  ${list(smtp.alarm_recipients)}`,
    `  status: ${list(smtp.status_recipients)}`,
    `  camera: ${list([...smtp.camera_recipients, ...cameraAddresses])} (Hikvision, Dahua/Amcrest and Reolink mails at any address)`,
    `  SMS:    a phone number as the local part (<number>@any.domain) sends that mail's event to that number (region ${sms.default_region})`,
    `Contact ID: ${contactIdLine(config)}`,
    '',
    "rules, in the order they are tried on a mail's lines:",
    ...config.rules.map(
      (rule, index) =>
        `  ${index + 1}. your rule /${rule.match}/i → ${rule.type} (${rule.category}${rule.alarm_state ? `, ${rule.alarm_state}` : ''})`,
    ),
    ...lineProfiles.map((name, index) => `  ${config.rules.length + index + 1}. built-in: ${name}`),
    `  camera mails are read first by: ${list(cameraProfiles)}`,
    '',
    'outputs:',
    `  mqtt: ${mqttLine(config, context)}`,
    `  sms: ${smsLine(config)}`,
    `  telegram: ${telegram.bot_token ? `on, ${telegram.chat_ids.length} chat${telegram.chat_ids.length === 1 ? '' : 's'}, on ${list(telegram.send_on)}, photos ${telegram.photos ? 'on' : 'off'}` : 'off (no bot_token)'}`,
    `data_dir: ${config.data_dir} (not touched by --check)`,
  ];
  // The same masking as every log line: configured secrets and account ids, then anything shaped like a phone number.
  const maskValues = configuredValuesMasker(configuredValues(config));
  return `${lines.map((line) => maskNumbersIn(maskValues(line))).join('\n')}\n`;

  function contactIdLine({ contact_id: settings }: Config): string {
    if (settings.port === 0) return 'off (contact_id.port 0)';
    return `on ${settings.host}:${settings.port}, account${settings.accounts.length === 1 ? '' : 's'} ${list(settings.accounts)} (networks and limits: smtp's)`;
  }

  function mqttLine({ mqtt: settings }: Config, { brokerSource, supervisorNote }: CheckContext): string {
    const topics = `topics ${settings.topic_prefix}/…, Home Assistant discovery ${settings.discovery ? `on (${settings.discovery_prefix})` : 'off'}`;
    if (settings.url)
      return `${redactUrl(settings.url)}${settings.username ? ` as ${settings.username}` : ''}${settings.password ? ' (password set)' : ''}, ${topics}`;
    if (brokerSource === 'supervisor') return `broker from the Supervisor: ${supervisorNote ?? 'not asked'}, ${topics}`;
    return `embedded broker on ${mqtt.embedded_host}:${mqtt.embedded_port}, ${topics}`;
  }

  function smsLine({ sms: settings }: Config): string {
    const recipients = `${settings.recipients.length} default recipient${settings.recipients.length === 1 ? '' : 's'} (${list(settings.recipients.map(maskNumber))}) on ${list(settings.send_on)}`;
    if (settings.provider === 'none') return `dry-run (no provider: texts are only logged), ${recipients}`;
    const provider = (name: 'cm' | 'twilio') => {
      const sender = settings[name].sender || settings.sender;
      return `${name}${sender ? ` from ${sender}` : ''}`;
    };
    const fallback = settings.fallback_provider
      ? `, fallback ${provider(settings.fallback_provider)} (failover after ${settings.failover_after / 1000} s)`
      : '';
    return `${provider(settings.provider)}${fallback}, ${recipients}`;
  }
}
