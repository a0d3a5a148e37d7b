// The composition root: configuration → parts → wiring → start; a clean stop on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bridgeView } from './bridge-view.js';
import { configuredValues, loggableConfig, startSummary } from './config/describe.js';
import { routesOf } from './config/routes.js';
import type { Config } from './config/schema.js';
import { type ContactIdReceiver, startContactIdReceiver } from './contact-id/server.js';
import { Bus } from './core/bus.js';
import { EntityRegistry } from './core/entities.js';
import { configuredValuesMasker, maskNumbersIn } from './core/mask.js';
import { parseNetworks } from './core/networks.js';
import { routeOf } from './core/route.js';
import { codeOf, oneLine } from './errors.js';
import { type FeatureClock, startFeatures } from './features/host.js';
import type { FeatureModule } from './features/module.js';
import { featureModules } from './features/registry.js';
import type { Logger } from './log.js';
import { IsolatedParser } from './mail/isolated-parser.js';
import type { BuiltOutput, OutputContext, OutputModule } from './outputs/module.js';
import type { MqttConnection } from './outputs/mqtt/connection.js';
import { outputModules } from './outputs/registry.js';
import { type PackageInfo, readPackageInfo } from './package-info.js';
import { AlarmStateStore } from './pipeline/alarm-state.js';
import { Delivery } from './pipeline/delivery.js';
import { buildRecordKinds } from './pipeline/kinds/index.js';
import { Processor } from './pipeline/processor.js';
import { type Raise, raiser } from './pipeline/raise.js';
import { mailTrial } from './pipeline/try-mail.js';
import { acceptsRecipient } from './smtp/policy.js';
import { type Intake, type IntakeOptions, startIntake } from './smtp/server.js';
import { snapshotLimitsOf } from './snapshots/config.js';
import { SnapshotStore } from './snapshots/snapshot-store.js';
import { catalogOf } from './sources/catalog.js';
import { contactIdDescription } from './sources/contact-id/index.js';
import { buildProfiles } from './sources/registry.js';
import { DataDirUnusable, prepareDataDir } from './spool/data-dir.js';
import { type DataDirLock, DataDirLocked, lockDataDir } from './spool/data-dir-lock.js';
import { DiskReserve, freeSpaceOf } from './spool/disk-reserve.js';
import { JournalSpool } from './spool/journal-spool.js';
import type { QuarantineRemoval } from './spool/quarantine.js';
import { resendKeyOfMail } from './spool/resend-key.js';
import type { Spool, SpoolRecord } from './spool/spool.js';
import { fileUnreadable, isListenError, listenFailed, StartFailed } from './start/start-failed.js';

export interface Bridge {
  smtpPort: number;
  /** The Contact ID receiver's bound port; undefined while it is off (`contact_id.port` 0). */
  contactIdPort: number | undefined;
  /** Raises an event the durable way (pipeline/raise.ts): the function a feature is handed in its context. */
  raise: Raise;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  packageInfo?: PackageInfo;
  /** Where the broker is when `mqtt.url` is empty (the add-on asks the Supervisor); else the embedded broker. */
  mqttConnection?: () => Promise<MqttConnection>;
  /**
   * The configured secrets and account ids replaced in a text: the one the caller's logger masks lines with, so that
   * outputs hide exactly what the log hides. Built from the configuration when not given.
   */
  maskValues?: (text: string) => string;
  /** The features that run: the registry's; a test adds its own (one without settings). */
  features?: readonly FeatureModule[];
  /** The features' clock and timers: the system's; a test moves its own (a supervision interval without waiting). */
  featureClock?: FeatureClock;
}

/** Starts every part; if one fails, those already started are stopped again before the error is thrown. */
export async function startBridge(
  config: Config,
  log: Logger,
  {
    packageInfo = readPackageInfo(),
    mqttConnection,
    maskValues = configuredValuesMasker(configuredValues(config)),
    features = featureModules,
    featureClock,
  }: BridgeOptions = {},
): Promise<Bridge> {
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stopAll = async () => {
    for (const stopPart of stops.reverse()) await stopPart();
  };
  const stop = () => (stopped ??= stopAll());
  const startedAt = Date.now();
  log.info(startSummary(config, packageInfo.version, mqttConnection ? 'supervisor' : 'embedded'), 'starting Alarm Mail Bridge');
  log.debug({ config: loggableConfig(config) }, 'configuration');
  try {
    await prepareDataDir(config.data_dir).catch((error: unknown) => {
      throw error instanceof DataDirUnusable
        ? new StartFailed('data_dir', config.data_dir, error.message, dataDirAdvice, { cause: error })
        : error;
    });
    // Before the spool opens: a second bridge on this data_dir would replay the same mails and SMS jobs.
    const lock = await lockFor(config.data_dir);
    stops.push(() => lock.release());
    const freeSpace = freeSpaceOf(config.data_dir, config.smtp.max_message_kb * 1024);
    const spoolLog = log.child({ component: 'spool' });
    // A listener that throws is logged and skipped (core/bus.ts): an observer never fails a mail.
    const bus = new Bus((name, error) => log.error({ err: error, busEvent: name }, 'a bus listener failed'));
    const spool: Spool = new JournalSpool(config.data_dir, {
      resendKeyOf: resendKeyOfMail,
      log: spoolLog,
      quarantine: {
        shortfall: async () => (await freeSpace()).shortfall,
        onRemoved: (removal) => logQuarantineRemoval(spoolLog, removal),
        bus,
      },
    });
    await spool.open().catch((error: unknown) => {
      throw new StartFailed('data_dir', config.data_dir, `cannot open the spool (${oneLine(error)})`, dataDirAdvice, { cause: error });
    });
    stops.push(() => spool.close());
    const entities = new EntityRegistry(bus);
    const alarmState = new AlarmStateStore(join(config.data_dir, 'state.json'), bus, {
      failed: (error) => log.error({ err: error }, 'cannot keep the alarm state in state.json (tried again)'),
      recovered: () => log.info('alarm state kept in state.json again'),
    });
    await alarmState.load();
    stops.push(() => alarmState.close());

    const profiles = buildProfiles(config.rules);
    const snapshots = await SnapshotStore.open(join(config.data_dir, 'snapshots'), snapshotLimitsOf(config.snapshots)).catch(
      (error: unknown) => {
        throw new StartFailed('data_dir', config.data_dir, `cannot open the snapshot store (${oneLine(error)})`, dataDirAdvice, {
          cause: error,
        });
      },
    );
    // Age counts without new mails too: an hourly look keeps the limit when a camera falls silent.
    const pruning = setInterval(
      () => void snapshots.prune().catch((error: unknown) => log.warn({ err: error }, 'cannot remove old snapshots')),
      3600_000,
    ).unref();
    stops.push(async () => clearInterval(pruning));
    const routes = routesOf(config);
    // Values first: a token's digits must still be whole when it is looked for.
    const maskText = (text: string) => maskNumbersIn(maskValues(text));
    const context = {
      log,
      maskText,
      bus,
      dataDir: config.data_dir,
      // Contact ID's types only with its receiver on: Home Assistant lists no event a bridge cannot receive.
      catalog: catalogOf(config.contact_id.port === 0 ? profiles : [...profiles, contactIdDescription]),
      images: snapshots,
      packageInfo,
      now: Date.now,
      panelState: () => alarmState.current,
      platform: { mqttConnection },
      entities,
    };
    const deliveries = (await buildOutputs(config, context, stops)).map(
      ({ output, delivery }) => new Delivery(output, log.child({ component: output.name }), delivery, bus),
    );
    // Mails with parts (cameras' pictures) go to the parser's worker: kept warm where cameras are configured, else
    // started by the first such mail and ended after 10 idle minutes (a panel's own mails are parsed in place).
    const camerasConfigured = config.cameras.length > 0;
    const parser = new IsolatedParser({ bus, idleEndMs: camerasConfigured ? undefined : 10 * 60_000 });
    if (camerasConfigured) parser.start();
    else parser.startInPlace();
    stops.push(() => parser.close());
    const cameras = { cameras: config.cameras, addresses: routes.camera };
    const kinds = buildRecordKinds({ parser, profiles, routes, cameras: { ...cameras, snapshots } });
    const worker = new Processor({ spool, kinds, deliveries, alarmState, log: log.child({ component: 'pipeline' }), bus });
    const enqueue = (id: string, record: SpoolRecord | undefined) => worker.enqueue(id, record);
    const raise = raiser({ spool, onStored: enqueue });
    const bridge = bridgeView({
      version: packageInfo.version,
      startedAt,
      outputs: deliveries.map((delivery) => delivery.name),
      alarmState,
      spool,
      enqueue,
      tryMail: mailTrial({ parser: startedParser, profiles, routes, cameras }),
      images: snapshots,
      mask: maskText,
      cameras: config.cameras,
      entities,
    });
    // Before the outputs start: the entities features declare are in MQTT's first announcement.
    const running = await startFeatures(features, (module) => sectionOf(config, module), {
      log,
      bus,
      dataDir: config.data_dir,
      entities,
      raise,
      bridge,
      clock: featureClock,
    });
    stops.push(() => running.stop());
    // The quarantine as opened, for observers that started just now; from here on it tells each change itself.
    bus.emit('quarantine', { count: spool.quarantined.count, totalBytes: spool.quarantined.totalBytes });
    await worker.start();
    stops.push(() => worker.stop());

    const { smtp } = config;
    const outputAddress = outputAddresses(config);
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
        acceptRecipient: (address) => acceptsRecipient(address, { ...routes, outputAddress }),
        // A number address is the alarm path of whoever replaced a carrier's e-mail-to-SMS gateway: small, and kept.
        alarmRecipient: (address) => routeOf([address], routes) === 'alarm' || outputAddress(address),
        maxClients: smtp.max_clients,
        maxClientsPerAddress: smtp.max_clients_per_address,
        maxRecipients: smtp.max_recipients,
        idleTimeoutMs: smtp.idle_timeout * 1000,
        sessionTimeoutMs: smtp.session_timeout * 1000,
        tls,
      },
      {
        spool,
        log: log.child({ component: 'smtp' }),
        onAccepted: (id, record) => worker.enqueue(id, record),
        room: () => worker.room(),
        bus,
        storage: new DiskReserve({ freeSpace, quarantine: spool.quarantined, log: spoolLog }),
      },
    ).catch((error: unknown) => {
      if (!isListenError(error)) throw error;
      const inUse = 'stop the other program (another mail server, or a bridge already running), or set smtp.port to a free port';
      throw listenFailed({ portKey: 'smtp.port', hostKey: 'smtp.host', host: smtp.host, port: smtp.port, inUse }, error);
    });
    stops.push(() => intake.close());
    const contactId = await startContactId(config, { spool, log: log.child({ component: 'contact_id' }), onAccepted: enqueue, bus });
    if (contactId) stops.push(() => contactId.close());
    return { smtpPort: intake.port, contactIdPort: contactId?.port, raise, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The Contact ID receiver with the SMTP intake's allowed networks and limits; undefined while `contact_id.port` is 0. */
async function startContactId(config: Config, deps: Parameters<typeof startContactIdReceiver>[1]): Promise<ContactIdReceiver | undefined> {
  const { contact_id: settings, smtp } = config;
  if (settings.port === 0) return undefined;
  return startContactIdReceiver(
    {
      host: settings.host,
      port: settings.port,
      accounts: settings.accounts,
      allowedNetworks: parseNetworks(smtp.allowed_networks),
      maxClients: smtp.max_clients,
      maxClientsPerAddress: smtp.max_clients_per_address,
      idleTimeoutMs: smtp.idle_timeout * 1000,
      sessionTimeoutMs: smtp.session_timeout * 1000,
    },
    deps,
  ).catch((error: unknown) => {
    if (!isListenError(error)) throw error;
    const inUse = 'stop the other program (another Contact ID receiver), or set contact_id.port to a free port';
    throw listenFailed({ portKey: 'contact_id.port', hostKey: 'contact_id.host', host: settings.host, port: settings.port, inUse }, error);
  });
}

// Each module reads only its own section; the registry's tuple type cannot say which section is whose.
const modules: readonly OutputModule[] = outputModules;
const sectionOf = (config: Config, module: { name: string }) => (config as Record<string, unknown>)[module.name];

/** A parser worker of its own, started (for a mail tried on the status page; closed after it). */
function startedParser(): IsolatedParser {
  const parser = new IsolatedParser();
  parser.start();
  return parser;
}

/** Recipient addresses some output takes by itself (the SMS output's numbers), for the intake. */
function outputAddresses(config: Config): (address: string) => boolean {
  const accepts = modules.flatMap((module) => module.addresses?.(sectionOf(config, module)) ?? []);
  return (address) => accepts.some((accept) => accept(address));
}

/** Every output of the registry, from its own config section; what a module must close later goes into `stops`. */
async function buildOutputs(
  config: Config,
  context: Omit<OutputContext, 'health'>,
  stops: (() => Promise<void>)[],
): Promise<BuiltOutput[]> {
  const health = modules.flatMap((module) => {
    const description = module.health(sectionOf(config, module));
    return description ? [{ output: module.name, ...description }] : [];
  });
  const built: BuiltOutput[] = [];
  for (const module of modules) {
    const output = await module.create(sectionOf(config, module), { ...context, health });
    if (output.close) stops.push(output.close);
    built.push(output);
  }
  return built;
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

/** Old mails leaving are routine (info); mails pushed out by newer ones or by a full disk may be worth a look (warn). */
function logQuarantineRemoval(log: Logger, { id, bytes, why }: QuarantineRemoval): void {
  const because = {
    age: 'past its age limit',
    count: 'past the count limit',
    size: 'past the size limit',
    space: 'free space under data_dir below the reserve',
    retried: 'put back into the spool to be read again',
  }[why];
  log[why === 'age' || why === 'retried' ? 'info' : 'warn']({ mailId: id, bytes, why }, `quarantined mail removed: ${because}`);
}

/** What to do when data_dir cannot hold the spool. */
const dataDirAdvice = 'set data_dir to a folder this user can write (the add-on uses /data)';

/** The lock of data_dir; another bridge on it stops this start with its pid. */
async function lockFor(dataDir: string): Promise<DataDirLock> {
  try {
    return await lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirLocked) {
      const problem = `already used by another Alarm Mail Bridge${error.pid === undefined ? '' : ` (pid ${error.pid})`}`;
      throw new StartFailed(
        'data_dir',
        dataDir,
        problem,
        'stop the other bridge, or give each its own data_dir: two would both replay the spool and send every SMS twice',
        { cause: error },
      );
    }
    throw new StartFailed(
      'data_dir',
      dataDir,
      `cannot hold its lock ${dataDir}/bridge.lock (${codeOf(error) ?? oneLine(error)})`,
      'use a local folder that can hold a Unix socket (not FAT or a network share)',
      { cause: error },
    );
  }
}
