// Stands in for the image build, which Docker cannot run here: the same steps as addon/Dockerfile (the
// package installed with production dependencies only into an empty folder, started as run.sh starts it),
// then run as the add-on: options.json, /data, the broker from a local stand-in of the Supervisor.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { cleanUp, killOnExit } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('production install, run as the add-on', () => {
  let work: string;
  let broker: Mosquitto;
  let supervisor: Server;
  let bridge: ChildProcess | undefined;
  let output = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'amb-install-'));
    broker = await Mosquitto.start();
    supervisor = createServer((request, response) => {
      const authorized = request.headers.authorization === 'Bearer test-supervisor-token' && request.url === '/services/mqtt';
      response.writeHead(authorized ? 200 : 401, { 'Content-Type': 'application/json' }).end(
        JSON.stringify(authorized ? { result: 'ok', data: { addon: 'core_mosquitto', host: '127.0.0.1', port: broker.port, ssl: false, protocol: '3.1.1' } } : { result: 'error', message: 'Unauthorized' }),
      );
    });
    await new Promise<void>((resolve) => supervisor.listen(0, '127.0.0.1', resolve));
  });
  after(() =>
    cleanUp(
      async () => {
        if (!bridge || bridge.exitCode !== null) return;
        const exited = new Promise((resolve) => bridge?.once('exit', resolve));
        bridge.kill('SIGTERM');
        await exited;
      },
      () => new Promise<void>((resolve) => supervisor.close(() => resolve())),
      () => broker.stop(),
      () => rm(work, { recursive: true, force: true }),
    ),
  );

  it('installs without development dependencies and starts from options.json with the Supervisor broker', { timeout: 600_000 }, async () => {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root });
    const tarball = join(work, stdout.trim().split('\n').at(-1) ?? '');
    const app = join(work, 'app');
    await mkdir(app);
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app });
    const installed = join(app, 'node_modules');
    assert.ok(existsSync(join(installed, 'alarm-mail-bridge', 'dist', 'bin.js')));
    for (const devOnly of ['typescript', 'tsx', 'ajv']) assert.ok(!existsSync(join(installed, devOnly)), `${devOnly} is a development dependency`);

    const data = join(work, 'data');
    await mkdir(data);
    await writeFile(join(data, 'options.json'), JSON.stringify({ log_level: 'info', smtp: { alarm_recipients: ['alarm'] }, mqtt: { topic_prefix: 'alarm-mail-bridge' }, sms: { provider: 'none', recipients: ['0170 1234567'] }, rules: [] }));
    const smtpPort = await freePort();
    // The node options of run.sh's exec line, e.g. the young generation's size.
    const runSh = await readFile(join(root, 'addon', 'run.sh'), 'utf8');
    const nodeOptions = /^exec node ((?:--\S+ )*)\/app\/node_modules\/alarm-mail-bridge\/dist\/bin\.js$/m.exec(runSh)?.[1]?.trim().split(' ').filter(Boolean);
    assert.ok(nodeOptions, 'run.sh starts the installed package with node');
    bridge = spawn(process.execPath, [...nodeOptions, join(installed, 'alarm-mail-bridge', 'dist', 'bin.js')], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        OPTIONS_FILE: join(data, 'options.json'),
        DATA_DIR: data,
        SMTP_PORT: String(smtpPort),
        SUPERVISOR_URL: `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}`,
        SUPERVISOR_TOKEN: 'test-supervisor-token',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(bridge);
    bridge.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    bridge.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForPort(smtpPort, bridge);

    const subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/event', 'homeassistant/device/+/config']);
    try {
      await sendMail(smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
      const event = JSON.parse((await subscriber.next('alarm-mail-bridge/event')).payload) as { type: string };
      assert.equal(event.type, 'intrusion');
      await subscriber.next('homeassistant/device/alarm_mail_bridge_xt1/config');
    } finally {
      await subscriber.close();
    }
    assert.match(output, /running as Home Assistant add-on/);
    assert.match(output, /MQTT broker from the Supervisor/);
    assert.match(output, /SMS dry-run/);
    assert.ok(existsSync(join(data, 'state.json')), 'state kept in DATA_DIR');
    assert.ok(!output.includes('test-supervisor-token'));
  });
});
