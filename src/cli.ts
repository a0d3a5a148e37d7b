// The command line: configuration from a YAML file, the environment or the add-on's options; then the bridge,
// stopped cleanly on SIGTERM/SIGINT. A configuration or start failure is one clear line and exit code 1.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addonEnvironment, loadAddonConfig } from './config/addon.js';
import { configuredValues } from './config/describe.js';
import { ConfigInvalid, environmentOverrides, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { mqttServiceWhenReady } from './config/supervisor.js';
import { configuredValuesMasker } from './core/mask.js';
import { oneLine } from './errors.js';
import { createLogger, resolveLogFormat } from './log.js';
import { startBridge, type Bridge, type BridgeOptions } from './main.js';
import { readPackageInfo } from './package-info.js';
import { StartFailed } from './start/start-failed.js';

const usage = `Usage: alarm-mail-bridge [--config FILE]

Receives alarm e-mails over SMTP and publishes one normalized event per mail to MQTT.

Options:
  -c, --config FILE   YAML configuration file (default: built-in defaults:
                      SMTP on 0.0.0.0:2525, embedded MQTT broker on 127.0.0.1:1883)
  -h, --help          show this help
  -v, --version       show the version

Environment:
  ALARM_MAIL_BRIDGE_CONFIG   configuration file, when --config is not given
  OPTIONS_FILE               Home Assistant add-on options (default /data/options.json): used when
                             no file is given and it exists; DATA_DIR (default /data),
                             SUPERVISOR_URL (default http://supervisor) and SMTP_PORT (default 2525)
                             go with it
${Object.keys(environmentOverrides).map((name) => `  ${name}`).join('\n')}
                             override the key of the same name, e.g. to keep the password out of the file`;

/** The command line: exits with 1 and one clear line when the configuration or a start step fails. */
export async function runCli(argv: string[]): Promise<void> {
  const packageInfo = readPackageInfo();
  const { version } = packageInfo;
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  if (args.help) return void console.info(usage);
  if (args.version) return void console.info(version);

  const file = args.config ?? (process.env.ALARM_MAIL_BRIDGE_CONFIG || undefined);
  // With no file named and the Supervisor's options file present, this is the Home Assistant add-on.
  const addon = file === undefined && existsSync(addonEnvironment().optionsFile) ? addonEnvironment() : undefined;
  let config: Config;
  try {
    config = addon ? await loadAddonConfig(addon) : await loadConfig({ file });
  } catch (error) {
    if (error instanceof ConfigInvalid) fail(error.message);
    throw error;
  }

  // The Supervisor gives every add-on its token: also an add-on started with a file (a developer's) is read in its log tab.
  const format = resolveLogFormat(config.log_format, { terminal: process.stdout.isTTY === true, addon: addon !== undefined || Boolean(process.env.SUPERVISOR_TOKEN) });
  const log = createLogger({ level: config.log_level, format, maskText: configuredValuesMasker(configuredValues(config)) });
  const options: BridgeOptions = { packageInfo };
  if (addon) {
    log.info({ optionsFile: addon.optionsFile, dataDir: addon.dataDir }, 'running as Home Assistant add-on');
    const supervisorUrl = process.env.SUPERVISOR_URL || 'http://supervisor';
    const token = process.env.SUPERVISOR_TOKEN ?? process.env.HASSIO_TOKEN ?? '';
    options.mqttConnection = () => mqttServiceWhenReady(supervisorUrl, token, log.child({ component: 'supervisor' }));
  }
  let bridge: Bridge;
  try {
    bridge = await startBridge(config, log, options);
  } catch (error) {
    // A known failure is the setting and the advice, no stack; anything else keeps its stack for a bug report.
    if (error instanceof StartFailed) log.fatal({ key: error.key, value: error.value, code: error.code }, `cannot start: ${error.message}`);
    else log.fatal({ err: error }, `cannot start: ${oneLine(error)}`);
    log.flush(() => process.exit(1));
    return;
  }
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second signal: the user wants out now
    stopping = true;
    log.info({ signal }, 'stopping');
    bridge.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function fail(message: string): never {
  process.stderr.write(`alarm-mail-bridge: ${message}\n`);
  process.exit(1);
}
