// The bridge in this process, on free ports and a temp data_dir, with its log lines captured.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { configuredValues, logRedactPaths } from '../../src/config/describe.js';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { configuredValuesMasker } from '../../src/core/mask.js';
import type { FeatureClock } from '../../src/features/host.js';
import type { FeatureModule } from '../../src/features/module.js';
import { featureModules } from '../../src/features/registry.js';
import { createLogger } from '../../src/log.js';
import { type Bridge, startBridge } from '../../src/main.js';

export interface TestBridge {
  bridge: Bridge;
  config: Config;
  dataDir: string;
  /** Parsed log lines written so far. */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface TestBridgeOptions {
  mqttUrl: string;
  dataDir?: string;
  /** Merged into the config's sections. */
  smtp?: Record<string, unknown>;
  mqtt?: Record<string, unknown>;
  sms?: Record<string, unknown>;
  telegram?: Record<string, unknown>;
  rules?: unknown[];
  cameras?: unknown[];
  snapshots?: Record<string, unknown>;
  /** The status page's section; off (`port: 0`) unless a test asks for it. */
  http?: Record<string, unknown>;
  supervision?: Record<string, unknown>;
  /** The features' clock and timers (a TestClock moves a supervision interval without waiting); the system's by default. */
  clock?: FeatureClock;
  /** The masker of the log and the outputs, as the command line builds it once; from the config when not given. */
  maskValues?: (text: string) => string;
  /** Features of the test's own (without settings), run after the registry's. */
  features?: readonly FeatureModule[];
  /** The incidents' section. */
  incidents?: Record<string, unknown>;
  /** The panel control's section (the XT1's web interface). */
  panel_control?: Record<string, unknown>;
  /** The Contact ID receiver's section (off unless a test gives a port). */
  contactId?: Record<string, unknown>;
}

export async function startTestBridge(options: TestBridgeOptions): Promise<TestBridge> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'amb-data-')));
  const config = validateConfig(
    {
      log_level: 'debug',
      data_dir: dataDir,
      smtp: { host: '127.0.0.1', port: 0, ...options.smtp },
      mqtt: { url: options.mqttUrl, ...options.mqtt },
      sms: options.sms ?? {},
      ...(options.telegram ? { telegram: options.telegram } : {}),
      rules: options.rules ?? [],
      ...(options.cameras ? { cameras: options.cameras } : {}),
      ...(options.snapshots ? { snapshots: options.snapshots } : {}),
      http: { port: 0, ...options.http },
      ...(options.supervision ? { supervision: options.supervision } : {}),
      ...(options.incidents ? { incidents: options.incidents } : {}),
      ...(options.panel_control ? { panel_control: options.panel_control } : {}),
      ...(options.contactId ? { contact_id: { host: '127.0.0.1', ...options.contactId } } : {}),
    },
    'test',
  );
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const maskValues = options.maskValues ?? configuredValuesMasker(configuredValues(config));
  const bridge = await startBridge(
    config,
    createLogger({ level: 'debug', destination, redactPaths: logRedactPaths, maskText: maskValues }),
    {
      maskValues,
      features: [...featureModules, ...(options.features ?? [])],
      ...(options.clock ? { featureClock: options.clock } : {}),
    },
  );
  return {
    bridge,
    config,
    dataDir,
    logs,
    stop: async () => {
      await bridge.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
