// The command line: configuration from a YAML file, the environment or the add-on's options; then the bridge,
// stopped cleanly on SIGTERM/SIGINT, or `--check` (what a start would do) or `send-test` (a test mail to a running
// bridge). A configuration or start failure is one clear line and exit code 1.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkFiles, checkReport } from './commands/check.js';
import type { TestMail } from './commands/send-test.js';
import { type TestKind, testKinds } from './commands/test-kinds.js';
import { type AddonEnvironment, addonEnvironment, loadAddonConfig } from './config/addon.js';
import { configuredValues, logRedactPaths } from './config/describe.js';
import { ConfigInvalid, environmentOverrides, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { lookUpMqttService, mqttServiceWhenReady } from './config/supervisor.js';
import { configuredValuesMasker, maskNumbersIn } from './core/mask.js';
import { oneLine } from './errors.js';
import { createLogger, redactUrl, resolveLogFormat } from './log.js';
import { type Bridge, type BridgeOptions, startBridge } from './main.js';
import { readPackageInfo } from './package-info.js';
import { StartFailed } from './start/start-failed.js';

const usage = `Usage: alarm-mail-bridge [--config FILE] [--check]
       alarm-mail-bridge send-test alarm|status|camera [--config FILE] [--host HOST] [--port PORT]

Receives alarm e-mails over SMTP and publishes one normalized event per mail to MQTT.

Options:
  -c, --config FILE   YAML configuration file (default: built-in defaults:
                      SMTP on 0.0.0.0:2525, embedded MQTT broker on 127.0.0.1:1883)
      --check         validate the configuration and print what a start would do (the start
                      line, routes, rules, outputs), without starting: exit code 0 or 1
  -h, --help          show this help
  -v, --version       show the version

send-test alarm|status|camera
                      send a test mail to the running bridge of this configuration, to the first
                      alarm, status or camera address (a "test" event: nothing is triggered; the
                      camera mail carries a small JPEG); prints the bridge's reply
      --host HOST     where the bridge listens (default: smtp.host, 127.0.0.1 for 0.0.0.0)
      --port PORT     its SMTP port (default: smtp.port)

Environment:
  ALARM_MAIL_BRIDGE_CONFIG   configuration file, when --config is not given
  OPTIONS_FILE               Home Assistant add-on options (default /data/options.json): used when
                             no file is given and it exists; DATA_DIR (default /data),
                             SUPERVISOR_URL (default http://supervisor), SMTP_PORT (default 2525)
                             and CONTACT_ID_PORT (default 50000) go with it
${Object.keys(environmentOverrides)
  .map((name) => `  ${name}`)
  .join('\n')}
                             override the key of the same name, e.g. to keep the password out of the file`;

/** How long --check waits for the Supervisor's answer about the broker; a start would wait for as long as it takes. */
const checkLookupMs = 3_000;

/** The command line: exits with 1 and one clear line when the configuration or a start step fails. */
export async function runCli(argv: string[]): Promise<void> {
  const packageInfo = readPackageInfo();
  const { version } = packageInfo;
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          config: { type: 'string', short: 'c' },
          check: { type: 'boolean' },
          host: { type: 'string' },
          port: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean', short: 'v' },
        },
      });
    } catch (error) {
      fail(`${(error as Error).message}\n\n${usage}`);
    }
  })();
  const { values: args, positionals } = parsed;
  if (args.help) return void console.info(usage);
  if (args.version) return void console.info(version);
  const [command, kind, ...extra] = positionals;
  if (command !== undefined && (command !== 'send-test' || !testKinds.includes(kind as TestKind) || extra.length > 0)) {
    fail(`${command === 'send-test' ? `send-test needs one of ${testKinds.join(', ')}` : `unknown command "${command}"`}\n\n${usage}`);
  }
  if ((args.host !== undefined || args.port !== undefined) && command === undefined)
    fail(`--host and --port go with send-test\n\n${usage}`);

  const file = args.config ?? (process.env.ALARM_MAIL_BRIDGE_CONFIG || undefined);
  const { config, addon } = await configuration(file);
  if (command === 'send-test') return sendTest(kind as TestKind, config, args);
  if (args.check) return check(config, addon, version, file);

  // The Supervisor gives every add-on its token: also an add-on started with a file (a developer's) is read in its log tab.
  const format = resolveLogFormat(config.log_format, {
    terminal: process.stdout.isTTY === true,
    addon: addon !== undefined || Boolean(process.env.SUPERVISOR_TOKEN),
  });
  // One masker for the log and the outputs: both hide the same values.
  const maskValues = configuredValuesMasker(configuredValues(config));
  const log = createLogger({ level: config.log_level, format, redactPaths: logRedactPaths, maskText: maskValues });
  const options: BridgeOptions = { packageInfo, maskValues };
  if (addon) {
    log.info({ optionsFile: addon.optionsFile, dataDir: addon.dataDir }, 'running as Home Assistant add-on');
    options.mqttConnection = () => mqttServiceWhenReady(supervisorUrl(), supervisorToken(), log.child({ component: 'supervisor' }));
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

/** The configuration exactly as a start loads it: the file, else the add-on's options if present, else defaults; then the environment. */
async function configuration(file: string | undefined): Promise<{ config: Config; addon: AddonEnvironment | undefined }> {
  // With no file named and the Supervisor's options file present, this is the Home Assistant add-on.
  const addon = file === undefined && existsSync(addonEnvironment().optionsFile) ? addonEnvironment() : undefined;
  try {
    return { config: addon ? await loadAddonConfig(addon) : await loadConfig({ file }), addon };
  } catch (error) {
    if (error instanceof ConfigInvalid) fail(error.message);
    throw error;
  }
}

const supervisorUrl = () => process.env.SUPERVISOR_URL || 'http://supervisor';
const supervisorToken = () => process.env.SUPERVISOR_TOKEN ?? process.env.HASSIO_TOKEN ?? '';

/** Prints what a start would do and exits 0; a file a start would fail on is the start's one line and exit code 1. */
async function check(config: Config, addon: AddonEnvironment | undefined, version: string, file: string | undefined): Promise<void> {
  try {
    await checkFiles(config);
  } catch (error) {
    fail(`cannot start: ${oneLine(error)}`);
  }
  const supervisor = addon !== undefined && !config.mqtt.url;
  const source = addon ? `the add-on options ${addon.optionsFile}` : (file ?? 'the defaults (no file)');
  const supervisorNote = supervisor ? await askSupervisor() : undefined;
  process.stdout.write(
    checkReport(config, {
      version,
      source,
      brokerSource: supervisor ? 'supervisor' : 'embedded',
      ...(supervisorNote ? { supervisorNote } : {}),
    }),
  );
}

/** One bounded question to the Supervisor (a start asks until it answers); its answer or failure becomes a note. */
async function askSupervisor(): Promise<string> {
  const token = supervisorToken();
  if (!token) return 'not asked (no SUPERVISOR_TOKEN here); a start would ask and wait for it';
  try {
    const { url } = await lookUpMqttService(supervisorUrl(), token, checkLookupMs);
    return redactUrl(url);
  } catch (error) {
    const { cause } = error as { cause?: unknown };
    const why =
      cause instanceof Error && cause.name === 'TimeoutError'
        ? `${oneLine(error)}: no answer within ${checkLookupMs / 1000} s`
        : oneLine(error);
    return `none yet (${why}); a start would wait for it, keeping mails`;
  }
}

async function sendTest(kind: TestKind, config: Config, args: { host?: string | undefined; port?: string | undefined }): Promise<void> {
  // Loaded here: it reads mails as the bridge does, with mailparser, which a running bridge keeps in its parser thread.
  const { checkTestEvent, composeTestMail, sendTestMail, TestMailRefused, testMail, testTarget } = await import('./commands/send-test.js');
  const port = args.port === undefined ? undefined : Number(args.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail(`--port ${args.port}: not a port number`);
  const target = testTarget(config, { host: args.host, port });
  let prepared: { mail: TestMail; raw: Buffer };
  try {
    const mail = testMail(kind, config);
    const raw = await composeTestMail(mail);
    await checkTestEvent(kind, mail, raw, config);
    prepared = { mail, raw };
  } catch (error) {
    // A setting to change, not a connection: nothing was sent.
    if (error instanceof TestMailRefused) fail(`send-test ${kind}: ${maskNumbersIn(error.message)}`);
    throw error;
  }
  let reply: string;
  try {
    reply = await sendTestMail(target, prepared.mail, prepared.raw);
  } catch (error) {
    const { responseCode } = error as { responseCode?: number };
    // The bridge's reply names no secret; the address of the test mail may be a number address: masked as in the log.
    fail(
      `send-test ${kind} to ${target.host}:${target.port}: ${maskNumbersIn(oneLine(error))}${responseCode ? '' : ' (is the bridge running there?)'}`,
    );
  }
  console.info(`${kind} test mail sent to ${target.host}:${target.port}: ${reply}`);
}

function fail(message: string): never {
  process.stderr.write(`alarm-mail-bridge: ${message}\n`);
  process.exit(1);
}
