// The composition root: configuration → parts → wiring → start; a clean stop on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loggableConfig, startSummary } from './config/describe.js';
import type { Config } from './config/schema.js';
import type { MqttConnection } from './config/supervisor.js';
import type { Logger } from './log.js';
import { IsolatedParser } from './mail/isolated-parser.js';
import { MqttOutput, type AnnouncedDiscovery } from './outputs/mqtt/index.js';
import type { Zones } from './outputs/mqtt/zones.js';
import { readPackageInfo, type PackageInfo } from './package-info.js';
import { AlarmStateStore } from './pipeline/alarm-state.js';
import { Delivery } from './pipeline/delivery.js';
import { MailWorker } from './pipeline/mail-worker.js';
import { parseNetworks } from './core/networks.js';
import { acceptsRecipient } from './smtp/policy.js';
import { startIntake, type Intake, type IntakeOptions } from './smtp/server.js';
import { SmsOutput, type FinishedSmsJob, type SmsJob } from './outputs/sms/index.js';
import { loadProvider } from './outputs/sms/providers/load.js';
import { DataDirLocked, lockDataDir, type DataDirLock } from './spool/data-dir-lock.js';
import { prepareDataDir } from './spool/data-dir.js';
import { JobStore } from './spool/job-store.js';
import { MailSpool } from './spool/mail-spool.js';
import { catalogOf } from './sources/catalog.js';
import { buildProfiles } from './sources/registry.js';
import { StateFile } from './spool/state-file.js';
import { codeOf, fileUnreadable, listenFailed, oneLine, StartFailed } from './start/start-failed.js';

export interface Bridge {
  smtpPort: number;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  packageInfo?: PackageInfo;
  /** Where the broker is when `mqtt.url` is empty (the add-on asks the Supervisor); else the embedded broker. */
  mqttConnection?: () => Promise<MqttConnection>;
}

/** Starts every part; if one fails, those already started are stopped again before the error is thrown. */
export async function startBridge(config: Config, log: Logger, { packageInfo = readPackageInfo(), mqttConnection }: BridgeOptions = {}): Promise<Bridge> {
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stopAll = async () => {
    for (const stopPart of stops.reverse()) await stopPart();
  };
  const stop = () => (stopped ??= stopAll());
  log.info(startSummary(config, packageInfo.version, mqttConnection ? 'supervisor' : 'embedded'), 'starting Alarm Mail Bridge');
  log.debug({ config: loggableConfig(config) }, 'configuration');
  try {
    await prepareDataDir(config.data_dir);
    // Before the spool opens: a second bridge on this data_dir would replay the same mails and SMS jobs.
    const lock = await lockFor(config.data_dir);
    stops.push(() => lock.release());
    const spool = new MailSpool(config.data_dir);
    await spool.open().catch((error: unknown) => {
      throw new StartFailed('data_dir', config.data_dir, `cannot open the spool (${oneLine(error)})`, 'set data_dir to a folder this user can write', { cause: error });
    });
    stops.push(() => spool.close());
    const alarmState = new AlarmStateStore(join(config.data_dir, 'state.json'));
    await alarmState.load();

    const connection = await brokerFor(config, log, mqttConnection, stops);
    const profiles = buildProfiles(config.rules);
    const mqttLog = log.child({ component: 'mqtt' });
    const mqtt = new MqttOutput(
      {
        connection,
        topicPrefix: config.mqtt.topic_prefix,
        discoveryPrefix: config.mqtt.discovery_prefix,
        discovery: config.mqtt.discovery,
        motionOffDelaySeconds: config.mqtt.motion_off_delay,
        version: packageInfo.version,
        projectUrl: packageInfo.homepage,
        catalog: catalogOf(profiles),
        smsHealth: config.sms.provider !== 'none',
        fullAddresses: config.mqtt.full_addresses,
      },
      {
        log: mqttLog,
        currentAlarmState: () => alarmState.current,
        zoneFile: new StateFile<Zones>(join(config.data_dir, 'zones.json')),
        announcedFile: new StateFile<AnnouncedDiscovery>(join(config.data_dir, 'discovery.json')),
      },
    );
    const smsLog = log.child({ component: 'sms' });
    const sms = new SmsOutput(
      {
        defaultRecipients: config.sms.recipients,
        sendOn: config.sms.send_on,
        defaultRegion: config.sms.default_region,
        template: config.sms.template,
        maxParts: config.sms.max_parts,
        maxPerHour: config.sms.max_per_hour,
        retryForMs: config.sms.retry_minutes * 60_000,
        retryBaseMs: 5_000,
        maxRetryDelayMs: 5 * 60_000,
      },
      {
        provider: await loadProvider(config.sms, smsLog),
        jobs: new JobStore<SmsJob, FinishedSmsJob>(config.data_dir, 'sms'),
        log: smsLog,
        onResult: (result) => mqtt.publishSmsResult(result),
        onProblem: (problem) => mqtt.publishSmsProblem(problem),
      },
    );
    if (config.sms.provider === 'none') smsLog.info({ recipients: config.sms.recipients.length }, 'no SMS provider configured: SMS dry-run, texts are only logged');

    const deliveries = [
      // MQTT keeps order on its one connection, so many events may wait for their PUBACK at once.
      new Delivery(mqtt, mqttLog, { window: 100, minRetryMs: 500, maxRetryMs: 30_000 }),
      // The SMS output only stores jobs here; it sends on its own schedule.
      new Delivery(sms, smsLog, { window: 1, minRetryMs: 500, maxRetryMs: 30_000 }),
    ];

    const parser = new IsolatedParser();
    parser.start();
    stops.push(() => parser.close());
    const worker = new MailWorker({
      spool,
      parser,
      deliveries,
      alarmState,
      profiles,
      routes: { alarm: config.smtp.alarm_recipients, status: config.smtp.status_recipients },
      log: log.child({ component: 'pipeline' }),
    });
    await worker.start();
    stops.push(() => worker.stop());

    const { smtp } = config;
    const tls = await tlsFiles(smtp.tls);
    const intake: Intake = await startIntake(
      {
        host: smtp.host,
        port: smtp.port,
        maxMessageBytes: smtp.max_message_kb * 1024,
        auth: smtp.auth,
        users: smtp.users,
        allowInsecureAuth: smtp.allow_insecure_auth,
        allowedNetworks: parseNetworks(smtp.allowed_networks),
        acceptRecipient: (address) =>
          acceptsRecipient(address, { alarm: smtp.alarm_recipients, status: smtp.status_recipients, defaultRegion: config.sms.default_region }),
        maxClients: smtp.max_clients,
        maxClientsPerAddress: smtp.max_clients_per_address,
        maxRecipients: smtp.max_recipients,
        idleTimeoutMs: smtp.idle_timeout * 1000,
        sessionTimeoutMs: smtp.session_timeout * 1000,
        tls,
      },
      { spool, log: log.child({ component: 'smtp' }), onAccepted: (id, entry) => worker.enqueue(id, entry) },
    ).catch((error: unknown) => {
      if (!isListenError(error)) throw error;
      const inUse = 'stop the other program (another mail server, or a bridge already running), or set smtp.port to a free port';
      throw listenFailed({ portKey: 'smtp.port', hostKey: 'smtp.host', host: smtp.host, port: smtp.port, inUse }, error);
    });
    stops.push(() => intake.close());
    return { smtpPort: intake.port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The configured broker; else the one the caller finds (Supervisor); else the embedded one (standalone). */
async function brokerFor(config: Config, log: Logger, lookUp: (() => Promise<MqttConnection>) | undefined, stops: (() => Promise<void>)[]): Promise<() => Promise<MqttConnection>> {
  const { url, username, password } = config.mqtt;
  if (url) return async () => ({ url, username, password });
  if (lookUp) return lookUp;
  // Loaded only when used: a configured broker keeps start-up lean.
  const { startEmbeddedBroker } = await import('./outputs/mqtt/embedded-broker.js');
  const { embedded_host: host, embedded_port: port } = config.mqtt;
  const broker = await startEmbeddedBroker(host, port, log.child({ component: 'broker' })).catch((error: unknown) => {
    if (!isListenError(error)) throw error;
    const inUse = `a broker already listens on ${port}: set mqtt.url to use it, or mqtt.embedded_port to a free port`;
    throw listenFailed({ portKey: 'mqtt.embedded_port', hostKey: 'mqtt.embedded_host', host, port, inUse }, error);
  });
  stops.push(() => broker.close());
  return async () => ({ url: broker.url, username: '', password: '' });
}

/** The certificate and key, read once at start: a missing file stops the start with its name. */
async function tlsFiles(tls: Config['smtp']['tls']): Promise<IntakeOptions['tls']> {
  if (tls.mode === 'off') return { mode: 'off', minVersion: tls.min_version };
  const [cert, key] = await Promise.all([
    readFile(tls.cert).catch((error: unknown) => Promise.reject(fileUnreadable('smtp.tls.cert', tls.cert, error))),
    readFile(tls.key).catch((error: unknown) => Promise.reject(fileUnreadable('smtp.tls.key', tls.key, error))),
  ]);
  return { mode: tls.mode, cert, key, minVersion: tls.min_version };
}

/** The lock of data_dir; another bridge on it stops this start with its pid. */
async function lockFor(dataDir: string): Promise<DataDirLock> {
  try {
    return await lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirLocked) {
      const problem = `already used by another Alarm Mail Bridge${error.pid === undefined ? '' : ` (pid ${error.pid})`}`;
      throw new StartFailed('data_dir', dataDir, problem, 'stop the other bridge, or give each its own data_dir: two would both replay the spool and send every SMS twice', { cause: error });
    }
    throw new StartFailed('data_dir', dataDir, `cannot hold its lock ${dataDir}/bridge.lock (${codeOf(error) ?? oneLine(error)})`, 'use a local folder that can hold a Unix socket (not FAT or a network share)', { cause: error });
  }
}

/** An error of binding a listening socket (as opposed to e.g. a bad TLS key), which names a host or port setting. */
function isListenError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.syscall === 'listen' || ['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN'].includes(codeOf(error) ?? '');
}
