// The systems the benchmark compares, each started as a child process on a free port against a given Mosquitto:
// the bridge (compiled, as shipped, with the Node options of `npm start`), the bare sink (bench/bare-sink.mjs) and
// the durable sink (bench/sink.ts, under tsx as it imports the spool's TypeScript).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../test/helpers/ports.js';
import type { FsyncShim, SyncCounter } from './fsync-shim.js';
import { startAndAwaitGreeting, stopProcess } from './process.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const bridgeEventTopic = 'alarm-mail-bridge/event';
const sinkTopic = 'bench/sink';

export interface System {
  port: number;
  /** The process whose RSS and CPU are measured. */
  pid: number;
  /** Spawn → 220 greeting, ms. */
  readyMs: number;
  counter: SyncCounter | undefined;
  /** Where its events reach a subscriber; none for the durable sink, whose figure is its 250. */
  eventTopic: string | undefined;
  stop(): Promise<void>;
}

/** `npm start`'s Node options (read from package.json at run time), unless BENCH_NODE_ARGS says otherwise. */
export async function startNodeOptions(): Promise<string[]> {
  if (process.env.BENCH_NODE_ARGS !== undefined) return process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean);
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

export interface BridgeSettings {
  brokerUrl: string;
  shim: FsyncShim | undefined;
  nodeArgs: string[];
  /** Extra configuration (sms, http), merged over the benchmark's own. */
  config?: Record<string, unknown>;
}

/** A data folder with a config.yaml for a bridge on `port`; removed by the returned function. */
export async function bridgeConfig(
  port: number,
  brokerUrl: string,
  extra: Record<string, unknown> = {},
): Promise<{ dataDir: string; file: string; remove: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'amb-bench-'));
  const file = join(dataDir, 'config.yaml');
  await writeFile(
    file,
    stringify({ log_level: 'info', data_dir: dataDir, smtp: { host: '127.0.0.1', port }, mqtt: { url: brokerUrl }, ...extra }),
  );
  return { dataDir, file, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

export async function startBridge({ brokerUrl, shim, nodeArgs, config }: BridgeSettings): Promise<System> {
  const port = await freePort();
  const files = await bridgeConfig(port, brokerUrl, config);
  try {
    const shimmed = await shim?.environment();
    const { child, readyMs } = await startAndAwaitGreeting(
      process.execPath,
      [...nodeArgs, join(root, 'dist', 'bin.js'), '--config', files.file],
      port,
      { env: shimmed?.env ?? process.env },
    );
    return {
      port,
      pid: child.pid ?? 0,
      readyMs,
      counter: shimmed?.counter,
      eventTopic: bridgeEventTopic,
      stop: async () => {
        await stopProcess(child);
        await files.remove();
      },
    };
  } catch (error) {
    await files.remove();
    throw error;
  }
}

export async function startBareSink(brokerUrl: string, shim: FsyncShim | undefined): Promise<System> {
  const port = await freePort();
  const shimmed = await shim?.environment();
  const { child, readyMs } = await startAndAwaitGreeting(
    process.execPath,
    [join(root, 'bench', 'bare-sink.mjs'), String(port), brokerUrl, sinkTopic],
    port,
    { env: shimmed?.env ?? process.env, cwd: root },
  );
  return { port, pid: child.pid ?? 0, readyMs, counter: shimmed?.counter, eventTopic: sinkTopic, stop: () => stopProcess(child) };
}

export async function startDurableSink(shim: FsyncShim | undefined): Promise<System> {
  const port = await freePort();
  const shimmed = await shim?.environment();
  const { child, readyMs } = await startAndAwaitGreeting(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'sink.ts'), String(port)],
    port,
    { env: shimmed?.env ?? process.env, cwd: root },
  );
  return { port, pid: child.pid ?? 0, readyMs, counter: shimmed?.counter, eventTopic: undefined, stop: () => stopProcess(child) };
}
