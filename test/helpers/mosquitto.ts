// A real Mosquitto broker on a free loopback port, in its own temp folder; can be stopped and started
// again on the same port (persistence on, so sessions of persistent subscribers survive a restart).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from './cleanup.js';
import { freePort, waitForPort } from './ports.js';

const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((path) => existsSync(path)) ?? 'mosquitto';

export class Mosquitto {
  readonly port: number;
  readonly #dir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<Mosquitto> {
    const dir = await mkdtemp(join(tmpdir(), 'amb-mosquitto-'));
    const broker = new Mosquitto(await freePort(), dir);
    await writeFile(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${broker.port} 127.0.0.1`,
        'allow_anonymous true',
        'set_tcp_nodelay true',
        'persistence true',
        `persistence_location ${dir}/`,
        'log_dest none',
      ].join('\n'),
    );
    await broker.resume();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port. */
  async resume(): Promise<void> {
    // No inherited output: a broker that outlived its test file would hold the test runner's pipe open.
    const child = spawn(binary, ['-c', join(this.#dir, 'mosquitto.conf')], { stdio: 'ignore' });
    killOnExit(child);
    this.#process = child;
    await waitForPort(this.port, child);
  }

  /** Stops the broker as a crash or an update would; clients see the connection drop. */
  async pause(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** The broker stops answering but keeps its connections, as a hung broker or a dropped Wi-Fi link does. */
  freeze(): void {
    this.#process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.pause();
    await rm(this.#dir, { recursive: true, force: true });
  }
}
