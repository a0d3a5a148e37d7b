// Running as a Home Assistant add-on: the options the Supervisor writes to /data/options.json become the
// same configuration as a YAML file would give. The options form allows two levels, so an output or a feature may
// keep keys flat there and map them back (SMS: `sms.cm_product_token` → `sms.cm.product_token`).
import { readFile } from 'node:fs/promises';
import { addonHttp } from '../features/http/config.js';
import { outputModules } from '../outputs/registry.js';
import { defaultTemplate } from '../outputs/template.js';
import { ConfigInvalid, validateConfig } from './load.js';
import type { Config } from './schema.js';
import { type SectionModule, sectionModules } from './sections.js';

export interface AddonEnvironment {
  optionsFile: string;
  dataDir: string;
  /** 2525 in the container; the user maps it on the host in the add-on's Network settings. */
  smtpPort: number;
  /** The status page: 8099, the add-on's ingress port and its HEALTHCHECK's; another only in tests. */
  httpPort: number;
  /**
   * The Contact ID receiver's port in the container, 50000 (ioBroker.contactid's default), on as soon as an account
   * is set; the user maps it on the host in the add-on's Network settings (off there by default).
   */
  contactIdPort?: number;
}

const addonContactIdPort = 50_000;

/** Where the add-on's files are; environment variables override them for tests and other hosts. */
export function addonEnvironment(env: NodeJS.ProcessEnv = process.env): AddonEnvironment {
  return {
    optionsFile: env.OPTIONS_FILE || '/data/options.json',
    dataDir: env.DATA_DIR || '/data',
    smtpPort: Number(env.SMTP_PORT || 2525),
    httpPort: Number(env.HTTP_PORT || addonHttp.port),
    contactIdPort: Number(env.CONTACT_ID_PORT || addonContactIdPort),
  };
}

export async function loadAddonConfig({
  optionsFile,
  dataDir,
  smtpPort,
  httpPort,
  contactIdPort = addonContactIdPort,
}: AddonEnvironment): Promise<Config> {
  let options: unknown;
  try {
    options = JSON.parse(await readFile(optionsFile, 'utf8'));
  } catch (error) {
    throw new ConfigInvalid(optionsFile, [`cannot read the add-on options: ${(error as Error).message}`], { cause: error });
  }
  if (!isRecord(options)) throw new ConfigInvalid(optionsFile, ['expected a JSON object']);
  return validateConfig(configInputOf(options, dataDir, { smtp: smtpPort, http: httpPort, contactId: contactIdPort }), optionsFile);
}

function configInputOf(
  options: Record<string, unknown>,
  dataDir: string,
  ports: { smtp: number; http: number; contactId: number },
): Record<string, unknown> {
  const { smtp, smtp_users: users, cameras, contact_id: contactId, ...others } = options;
  const rest = Object.fromEntries(Object.entries(others).filter(([key]) => !sectionModules.some((module) => module.name === key)));
  const {
    tls_mode: mode,
    tls_cert: cert,
    tls_key: key,
    tls_min_version: minVersion,
    ...smtpRest
  } = isRecord(smtp) ? withoutEmpty(smtp) : {};
  const tls = withoutEmpty({
    mode,
    min_version: minVersion,
    ...(mode && mode !== 'off' ? { cert: cert ?? addonCertificate.cert, key: key ?? addonCertificate.key } : {}),
  });
  const input: Record<string, unknown> = {
    ...withoutEmpty(rest),
    data_dir: dataDir,
    smtp: { ...smtpRest, ...withoutEmpty({ users }), tls, host: '0.0.0.0', port: ports.smtp },
  };
  // The receiver listens in the container once the panel's account is set; without one it is off.
  const accounts = isRecord(contactId) && Array.isArray(contactId.accounts) ? contactId.accounts : [];
  input.contact_id = { host: '0.0.0.0', port: accounts.length > 0 ? ports.contactId : 0, accounts };
  // The status page is reached through Home Assistant's ingress only; its settings are not the user's to change.
  input.http = { ...addonHttp, port: ports.http };
  // A camera's match_* left empty in the form matches nothing in particular: it is left out.
  if (Array.isArray(cameras)) input.cameras = cameras.map((camera) => (isRecord(camera) ? withoutEmpty(camera) : camera));
  for (const module of sectionModules) {
    const section = options[module.name];
    if (!isRecord(section) || !module.schema) continue;
    const mapped = module.fromAddonOptions ? module.fromAddonOptions(withoutEmpty(section)) : withoutEmpty(section);
    // Only the outputs' templates had the former default; a feature's setting is its own.
    input[module.name] = (outputModules as readonly SectionModule[]).includes(module) ? withCurrentTemplate(mapped) : mapped;
  }
  return input;
}

/**
 * The text outputs' default before `{summary}` (a camera's caption was its first body line, naming no camera). The
 * Supervisor keeps options as they were saved, old default included, so in the add-on that template alone is read as
 * the new default; a YAML file's `{text}` is the user's choice and stays.
 */
const formerTemplate = '{text}';

function withCurrentTemplate(section: Record<string, unknown>): Record<string, unknown> {
  return typeof section.template === 'string' && section.template.trim() === formerTemplate
    ? { ...section, template: defaultTemplate }
    : section;
}

/** Home Assistant's own certificate (`map: [ssl]`), as the Let's Encrypt and DuckDNS add-ons write it. */
const addonCertificate = { cert: '/ssl/fullchain.pem', key: '/ssl/privkey.pem' };

/** Options the user left empty (null, "" or out) keep the bridge's defaults. */
function withoutEmpty(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== null && value !== '' && value !== undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
