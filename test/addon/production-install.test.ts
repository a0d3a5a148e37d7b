// Stands in for the image build, which needs a Docker engine that does not run here: the release's add-on lock
// is written from the packed tarball (scripts/addon-lock.ts), a local stand-in of the npm registry serves the
// bridge's tarball (every other package is redirected to the real registry), and the install step's own
// `npm ci` line from addon/Dockerfile installs it; then the installed tree runs as run.sh starts it, as the
// add-on: options.json, /data, the broker from a local stand-in of the Supervisor. Not covered: Alpine, apk and
// the image build itself (the release workflow builds and smoke-tests the image).
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { packBridge, type Tarball, writeAddonLock } from '../../scripts/addon-lock.js';
import { buildLocalAddon } from '../../scripts/local-addon.js';
import { registryTarballUrl, root } from '../../scripts/project-home.js';
import { cleanUp, killOnExit } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';

const run = promisify(execFile);

/** The arguments of the Dockerfile's `RUN npm ci …` line, with the image's /app/ made the given folder. */
async function dockerfileInstall(app: string): Promise<string[]> {
  const dockerfile = await readFile(join(root, 'addon', 'Dockerfile'), 'utf8');
  const line = /^RUN npm (ci [^\n\\&]*)$/m.exec(dockerfile)?.[1];
  assert.ok(line, 'the Dockerfile installs with one `RUN npm ci …` line');
  return line
    .trim()
    .split(/\s+/)
    .map((arg) => arg.replace(/^\/app\//, `${app}/`));
}

/** A registry stand-in: the given tarball under its registry path, everything else from the real registry. */
async function startRegistry(bridge: { url: string; file: string }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === new URL(bridge.url).pathname) {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      createReadStream(bridge.file).pipe(response);
      return;
    }
    response.writeHead(302, { Location: `https://registry.npmjs.org${request.url ?? '/'}` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('production install from the add-on lock, run as the add-on', () => {
  let work: string;
  let tarball: Tarball;
  let broker: Mosquitto;
  let supervisor: Server;
  const registries: Server[] = [];
  let bridge: ChildProcess | undefined;
  let output = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'amb-install-'));
    tarball = await packBridge(work);
    broker = await Mosquitto.start();
    supervisor = createServer((request, response) => {
      const authorized = request.headers.authorization === 'Bearer test-supervisor-token' && request.url === '/services/mqtt';
      response
        .writeHead(authorized ? 200 : 401, { 'Content-Type': 'application/json' })
        .end(
          JSON.stringify(
            authorized
              ? { result: 'ok', data: { addon: 'core_mosquitto', host: '127.0.0.1', port: broker.port, ssl: false, protocol: '3.1.1' } }
              : { result: 'error', message: 'Unauthorized' },
          ),
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
      ...registries.map((registry) => () => new Promise<void>((resolve) => registry.close(() => resolve()))),
      () => broker.stop(),
      () => rm(work, { recursive: true, force: true }),
    ),
  );

  /** addon/'s files with a lock written from the tarball, as the release writes it. */
  async function addonFolder(name: string): Promise<string> {
    const app = join(work, name);
    await cp(join(root, 'addon'), app, { recursive: true });
    await writeAddonLock({ tarball, out: app, mode: 'registry' });
    return app;
  }

  async function registryFor(file: string): Promise<string> {
    const registry = await startRegistry({ url: registryTarballUrl(tarball.name, tarball.version), file });
    registries.push(registry);
    return `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
  }

  it('packs only what runs, and the tarball passes `npm publish --dry-run`', { timeout: 120_000 }, async () => {
    const { stdout } = await run('tar', ['-tzf', tarball.path]);
    const files = stdout
      .trim()
      .split('\n')
      .map((file) => file.replace(/^package\//, ''));
    assert.deepEqual(files.filter((file) => !/^(dist\/.+\.js|web\/[^/]+\.(html|js|css))$/.test(file)).sort(), [
      'LICENSE',
      'README.md',
      'package.json',
    ]);
    assert.ok(files.includes('dist/bin.js'));
    // The status page's files, served from web/ beside dist/.
    assert.ok(files.includes('web/index.html') && files.includes('web/app.js'));
    await run('npm', ['publish', '--dry-run', '--ignore-scripts', tarball.path], { cwd: work });
  });

  it('installs exactly the locked tree, without development dependencies, and starts from options.json with the Supervisor broker', {
    timeout: 600_000,
  }, async () => {
    const app = await addonFolder('app');
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; integrity?: string }>;
    };
    assert.equal(lock.packages[`node_modules/${tarball.name}`]?.resolved, registryTarballUrl(tarball.name, tarball.version));

    await run('npm', [...(await dockerfileInstall(app)), '--registry', await registryFor(tarball.path)], { cwd: app });
    const installed = join(app, 'node_modules');
    assert.ok(existsSync(join(installed, tarball.name, 'dist', 'bin.js')));
    for (const devOnly of ['typescript', 'tsx', 'ajv', '@action-validator/cli'])
      assert.ok(!existsSync(join(installed, devOnly)), `${devOnly} is a development dependency`);
    const lockedTree = JSON.parse(await readFile(join(installed, '.package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    for (const [key, entry] of Object.entries(lock.packages))
      if (key !== '') assert.equal(lockedTree.packages[key]?.version, (entry as { version?: string }).version, key);

    const data = join(work, 'data');
    await mkdir(data);
    await writeFile(
      join(data, 'options.json'),
      JSON.stringify({
        log_level: 'info',
        smtp: { alarm_recipients: ['alarm'] },
        mqtt: { topic_prefix: 'alarm-mail-bridge' },
        sms: { provider: 'none', recipients: ['0170 1234567'] },
        rules: [],
      }),
    );
    const smtpPort = await freePort();
    const httpPort = await freePort();
    // run.sh's exec line: its node options (the young generation's size) and the command's link in .bin/.
    const runSh = await readFile(join(root, 'addon', 'run.sh'), 'utf8');
    const [, nodeOptions, command] = /^exec node ((?:--\S+ )*)\/app\/(node_modules\/\.bin\/alarm-mail-bridge)$/m.exec(runSh) ?? [];
    assert.ok(command && nodeOptions !== undefined, 'run.sh starts the installed command with node');
    bridge = spawn(process.execPath, [...nodeOptions.trim().split(' ').filter(Boolean), join(app, command)], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        OPTIONS_FILE: join(data, 'options.json'),
        DATA_DIR: data,
        SMTP_PORT: String(smtpPort),
        HTTP_PORT: String(httpPort),
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
    // The image's HEALTHCHECK asks this URL of the add-on's status page (8099 there; a free port here).
    const dockerfile = await readFile(join(root, 'addon', 'Dockerfile'), 'utf8');
    const healthUrl = /^\s*CMD \["wget", .*"(http:\/\/127\.0\.0\.1:8099\/healthz)"\]$/m.exec(dockerfile)?.[1];
    assert.ok(healthUrl, 'the HEALTHCHECK asks /healthz on port 8099');
    const health = await fetch(healthUrl.replace(':8099', `:${httpPort}`), { signal: AbortSignal.timeout(10_000) });
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.match(output, /running as Home Assistant add-on/);
    assert.match(output, /MQTT broker from the Supervisor/);
    assert.match(output, /SMS dry-run/);
    assert.ok(existsSync(join(data, 'state.json')), 'state kept in DATA_DIR');
    assert.ok(!output.includes('test-supervisor-token'));
  });

  it('refuses a different package published under the locked name and version', { timeout: 600_000 }, async () => {
    // A squatter's package: same name and version, other content.
    const squatter = join(work, 'squatter');
    await mkdir(join(squatter, 'package'), { recursive: true });
    await writeFile(
      join(squatter, 'package', 'package.json'),
      JSON.stringify({ name: tarball.name, version: tarball.version, bin: { 'alarm-mail-bridge': 'bin.js' } }),
    );
    await writeFile(join(squatter, 'package', 'bin.js'), 'console.log("not the bridge")\n');
    const file = join(squatter, basename(tarball.path));
    await run('tar', ['-czf', file, '-C', squatter, 'package']);

    const app = await addonFolder('squatted');
    // No retries: npm fetches a tarball whose hash is wrong again, with a back-off of a minute.
    const install = run('npm', [...(await dockerfileInstall(app)), '--registry', await registryFor(file), '--fetch-retries', '0'], {
      cwd: app,
    });
    await assert.rejects(install, (error: Error & { stderr?: string }) => /EINTEGRITY/.test(`${error.stderr ?? ''}${error.message}`));
    assert.ok(!existsSync(join(app, 'node_modules', '.bin', 'alarm-mail-bridge')));
  });

  it('a local add-on (npm run addon:local) installs with no npm registry at all', { timeout: 600_000 }, async () => {
    const local = join(work, 'alarm_mail_bridge');
    await buildLocalAddon(local);
    const unreachable = `http://127.0.0.1:${await freePort()}/`;
    await run('npm', [...(await dockerfileInstall(local)), '--offline', '--registry', unreachable], { cwd: local });
    const { stdout } = await run(process.execPath, [join(local, 'node_modules', '.bin', 'alarm-mail-bridge'), '--version']);
    assert.equal(stdout.trim(), tarball.version);
  });
});
