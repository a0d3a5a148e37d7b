// The bridge as its own process, started the way a user does (bin + YAML config), for crash tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { killOnExit } from './cleanup.js';
import { freePort, waitForPort } from './ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export class BridgeProcess {
  readonly smtpPort: number;
  readonly #configFile: string;
  #child: ChildProcess | undefined;
  /** Everything the process wrote to stdout and stderr, over all its runs. */
  output = '';

  private constructor(smtpPort: number, configFile: string) {
    this.smtpPort = smtpPort;
    this.#configFile = configFile;
  }

  /** `configName` lets two bridges on one data_dir keep their own configuration files; `sections` adds others (e.g. `sms`). */
  static async create(
    dataDir: string,
    mqttUrl: string,
    configName = 'config.yaml',
    sections: Record<string, unknown> = {},
  ): Promise<BridgeProcess> {
    const smtpPort = await freePort();
    await mkdir(dataDir, { recursive: true });
    const configFile = join(dataDir, configName);
    await writeFile(
      configFile,
      stringify({ http: { port: 0 }, ...sections, data_dir: dataDir, smtp: { host: '127.0.0.1', port: smtpPort }, mqtt: { url: mqttUrl } }),
    );
    return new BridgeProcess(smtpPort, configFile);
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'bin.ts'), '--config', this.#configFile], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(child);
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.#child = child;
    await waitForPort(this.smtpPort, child);
  }

  /** The pid of the running (or last) process. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The exit code once the process has ended by itself; null while it runs or when a signal ended it. */
  get exitCode(): number | null {
    return this.#child?.exitCode ?? null;
  }

  /** SIGKILL: no shutdown code runs, as in a power cut or an OOM kill. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.#signal('SIGTERM');
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
