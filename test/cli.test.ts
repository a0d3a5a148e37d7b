// The command line as a user meets it: --help, and a bad configuration or a failed start as one clear line
// naming the setting, with exit code 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort } from './helpers/ports.js';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
// A start that hangs (as one under /proc did, at full CPU) is killed and fails the test instead of holding it.
const run = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', bin, ...args], {
    env: { PATH: process.env.PATH, OPTIONS_FILE: '/nonexistent/options.json', ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('alarm-mail-bridge command', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('explains itself with --help', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--config FILE/);
    assert.match(stdout, /ALARM_MAIL_BRIDGE_MQTT_PASSWORD/);
    assert.match(stdout, /--check/);
    assert.match(stdout, /send-test alarm\|status\|camera/);
  });

  it('stops with exit code 1 and one line naming the key when the configuration is wrong', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'smtp:\n  prot: 25\n');
    const { code, stderr } = await run(['--config', file]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /unknown key "smtp\.prot"/);
  });

  it('names a missing configuration file', async () => {
    const { code, stderr } = await run(['--config', join(dir, 'missing.yaml')]);
    assert.equal(code, 1);
    assert.match(stderr, /missing\.yaml: file not found/);
  });

  it('names line, column and the line of a YAML syntax error', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'smtp:\n  port: 2525\n   host: 0.0.0.0\n');
    const { code, stderr } = await run(['--config', file]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /broken\.yaml: not valid YAML at line 2, column \d+ \(\w+\): .*: " {2}port: 2525"/);
  });

  describe('--check', () => {
    let holder: Server;
    let takenPort: number;
    before(async () => {
      // Ports another program holds: a start would fail on them, a check must not even try to bind them.
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      takenPort = (holder.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('prints the start line, routes, rules and outputs, masked, and binds, locks and creates nothing', async () => {
      const dataDir = join(dir, 'check-data');
      const file = join(dir, 'check.yaml');
      await writeFile(
        file,
        stringify({
          data_dir: dataDir,
          smtp: {
            host: '127.0.0.1',
            port: takenPort,
            alarm_recipients: ['alarm', 'einbruch'],
            auth: 'required',
            users: [{ username: 'xt1', password: 'smtp-secret-5521' }],
            allow_insecure_auth: true,
          },
          mqtt: {
            url: 'mqtt://bridge:mqtt-secret-7781@broker.local:1883',
            username: 'bridge',
            password: 'mqtt-option-secret-3344',
            embedded_port: takenPort,
          },
          sms: { recipients: ['0170 1234567'], send_on: ['alarm'] },
          telegram: { bot_token: '123456789:AAH-check_TOKEN-0123456789', chat_ids: ['123456789', '-1001234567890'] },
          rules: [{ match: '^Garage (?<sensor>.+) offen$', type: 'garage_open', category: 'status' }],
        }),
      );
      const { code, stdout, stderr } = await run(['--check', '--config', file]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^The configuration from .*check\.yaml is valid/);
      assert.match(
        stdout,
        /^start line: starting Alarm Mail Bridge \{"version":"[^"]+","smtp":"127\.0\.0\.1:\d+","mqtt":"mqtt:\/\/bridge:redacted@broker\.local:1883","sms":"dry-run","telegram":"2 chats","rules":1,"data_dir":".*check-data"\}$/m,
      );
      assert.match(stdout, /^ {2}alarm: {2}alarm, einbruch$/m);
      assert.match(stdout, /^ {2}status: status$/m);
      assert.match(stdout, /^ {2}camera: camera /m);
      assert.match(stdout, /^ {2}SMS: {4}a phone number as the local part/m);
      assert.match(stdout, /^Contact ID: off \(contact_id\.port 0\)$/m);
      const rules = stdout.split('\n').filter((line) => /^ {2}\d+\. /.test(line));
      assert.deepEqual(rules, [
        '  1. your rule /^Garage (?<sensor>.+) offen$/i → garage_open (status)',
        '  2. built-in: xt1',
        '  3. built-in: key-value',
        '  4. built-in: generic',
      ]);
      assert.match(stdout, /camera mails are read first by: hikvision, dahua, reolink, camera/);
      assert.match(
        stdout,
        /^ {2}mqtt: mqtt:\/\/bridge:redacted@broker\.local:1883 as bridge \(password set\), topics alarm-mail-bridge\/…, Home Assistant discovery on \(homeassistant\)$/m,
      );
      assert.match(stdout, /^ {2}sms: dry-run .*1 default recipient \(\*{9}4567\) on alarm$/m);
      assert.match(stdout, /^ {2}telegram: on, 2 chats, on alarm, trouble, camera, photos on$/m);
      for (const secret of [
        'smtp-secret-5521',
        'mqtt-secret-7781',
        'mqtt-option-secret-3344',
        'AAH-check_TOKEN',
        '1701234567',
        '123456789',
      ])
        assert.ok(!stdout.includes(secret), `${secret} in ${stdout}`);
      assert.deepEqual(
        await readdir(dir).then((names) => names.filter((name) => name.startsWith('check-data'))),
        [],
        'data_dir not created',
      );
    });

    it('prints the one-line error and exits 1 on a bad configuration or a missing certificate, without starting', async () => {
      const bad = join(dir, 'check-bad.yaml');
      await writeFile(bad, stringify({ data_dir: join(dir, 'check-bad-data'), smtp: { prot: 25 } }));
      const invalid = await run(['--check', '--config', bad]);
      assert.equal(invalid.code, 1);
      assert.equal(invalid.stdout, '');
      assert.equal(invalid.stderr.trim().split('\n').length, 1);
      assert.match(invalid.stderr, /unknown key "smtp\.prot"/);
      const noCert = join(dir, 'check-cert.yaml');
      await writeFile(
        noCert,
        stringify({
          data_dir: join(dir, 'check-bad-data'),
          smtp: { tls: { mode: 'implicit', cert: join(dir, 'none.pem'), key: join(dir, 'none.key') } },
        }),
      );
      const missing = await run(['--check', '--config', noCert]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^alarm-mail-bridge: cannot start: smtp\.tls\.cert .*none\.pem: file not found/);
      assert.deepEqual(await readdir(dir).then((names) => names.filter((name) => name.startsWith('check-bad-data'))), []);
    });

    it('checks the add-on options, asking a Supervisor that does not answer only for a bounded time', async () => {
      const options = join(dir, 'check-options.json');
      await writeFile(options, JSON.stringify({ smtp: { alarm_recipients: ['alarm'] }, sms: { provider: 'none' } }));
      const env = { OPTIONS_FILE: options, DATA_DIR: join(dir, 'check-addon-data'), SMTP_PORT: String(takenPort) };
      const untold = await run(['--check'], env);
      assert.equal(untold.code, 0, untold.stderr);
      assert.match(untold.stdout, /^The configuration from the add-on options .*check-options\.json is valid/);
      assert.match(untold.stdout, /mqtt: broker from the Supervisor: not asked \(no SUPERVISOR_TOKEN here\)/);
      // A Supervisor that takes the connection and never answers.
      const sockets: Socket[] = [];
      const silent = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const asked = await run(['--check'], {
          ...env,
          SUPERVISOR_TOKEN: 'token-for-check-1234',
          SUPERVISOR_URL: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
        });
        assert.equal(asked.code, 0, asked.stderr);
        assert.match(
          asked.stdout,
          /mqtt: broker from the Supervisor: none yet \(Supervisor not reachable at http:\/\/127\.0\.0\.1:\d+\/?: no answer within 3 s\); a start would wait for it/,
        );
        assert.ok(!asked.stdout.includes('token-for-check-1234'));
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
      assert.deepEqual(await readdir(dir).then((names) => names.filter((name) => name.startsWith('check-addon-data'))), []);
    });
  });

  describe('a start that fails', () => {
    let holder: Server;
    let takenPort: number;
    before(async () => {
      // Another program on a port, as a mail server or a Mosquitto would be.
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      takenPort = (holder.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    /** Runs the command on this configuration and returns its one fatal line; the start must fail with exit 1. */
    async function fatalLine(config: Record<string, unknown>): Promise<string> {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, stringify({ data_dir: join(dir, 'data'), ...config }));
      const { code, stdout, stderr } = await run(['--config', file]);
      assert.equal(code, 1, `exit code; output: ${stdout}${stderr}`);
      const fatal = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown })
        .filter((line) => line.level === 60);
      assert.equal(fatal.length, 1, stdout);
      assert.equal(fatal[0]?.err, undefined, 'a known start failure carries no stack');
      assert.doesNotMatch(fatal[0]?.msg ?? '', /\n/);
      return fatal[0]?.msg ?? '';
    }

    const smtpOnFreePort = async () => ({ host: '127.0.0.1', port: await freePort() });

    it('names smtp.port when another program listens there', async () => {
      const line = await fatalLine({ smtp: { host: '127.0.0.1', port: takenPort }, mqtt: { embedded_port: 0 } });
      assert.match(
        line,
        new RegExp(
          `^cannot start: smtp\\.port ${takenPort}: another program already listens on 127\\.0\\.0\\.1:${takenPort} \\(EADDRINUSE\\): .*set smtp\\.port to a free port`,
        ),
      );
    });

    it('names smtp.host when the address is not on this machine', async () => {
      const line = await fatalLine({ smtp: { host: '192.0.2.1', port: 0 }, mqtt: { embedded_port: 0 } });
      assert.match(line, /^cannot start: smtp\.host 192\.0\.2\.1: not an address of this machine \(EADDRNOTAVAIL\)/);
    });

    it('names mqtt.embedded_port when a broker already listens there', async () => {
      const line = await fatalLine({ smtp: await smtpOnFreePort(), mqtt: { embedded_port: takenPort } });
      assert.match(
        line,
        new RegExp(
          `^cannot start: mqtt\\.embedded_port ${takenPort}: .*: a broker already listens on ${takenPort}: set mqtt\\.url to use it, or mqtt\\.embedded_port`,
        ),
      );
    });

    it('names data_dir when a file is in the way', async () => {
      const file = join(dir, 'in-the-way');
      await writeFile(file, 'x');
      const line = await fatalLine({ data_dir: join(file, 'data'), smtp: await smtpOnFreePort(), mqtt: { embedded_port: 0 } });
      assert.match(
        line,
        /^cannot start: data_dir .*in-the-way\/data: cannot be created: .* is a file, not a folder \(ENOTDIR\): set data_dir/,
      );
    });

    it('names data_dir under /proc at once instead of spinning without a word', async () => {
      const line = await fatalLine({ data_dir: '/proc/amb-test', smtp: await smtpOnFreePort(), mqtt: { embedded_port: 0 } });
      assert.match(line, /^cannot start: data_dir \/proc\/amb-test: cannot be created: \/proc exists but cannot hold folders/);
    });

    it('writes one pretty line per entry when log_format is pretty, also the start line, and no JSON', async () => {
      const file = join(dir, 'pretty.yaml');
      await writeFile(
        file,
        stringify({
          log_format: 'pretty',
          data_dir: join(dir, 'data'),
          smtp: { host: '127.0.0.1', port: takenPort },
          mqtt: { embedded_port: 0 },
        }),
      );
      const { code, stdout } = await run(['--config', file]);
      assert.equal(code, 1);
      const lines = stdout.split('\n').filter(Boolean);
      assert.ok(
        lines.every((line) => !line.startsWith('{')),
        stdout,
      );
      assert.equal(
        lines.filter((line) => /^\[\d{2}:\d{2}:\d{2}\] INFO: starting Alarm Mail Bridge \{"version":.*"data_dir":/.test(line)).length,
        1,
        stdout,
      );
      assert.equal(
        lines.filter((line) => /^\[\d{2}:\d{2}:\d{2}\] FATAL: cannot start: smtp\.port \d+: another program already listens/.test(line))
          .length,
        1,
        stdout,
      );
    });

    it('writes pretty lines as the add-on with log_format auto, JSON in a pipe otherwise', async () => {
      const options = join(dir, 'options.json');
      await writeFile(options, JSON.stringify({ mqtt: { url: 'mqtt://127.0.0.1:1' } }));
      const addon = await run([], { OPTIONS_FILE: options, DATA_DIR: join(dir, 'addon-data'), SMTP_PORT: String(takenPort) });
      assert.equal(addon.code, 1);
      assert.match(addon.stdout, /^\[\d{2}:\d{2}:\d{2}\] INFO: running as Home Assistant add-on/m);
      assert.match(addon.stdout, /FATAL: cannot start: smtp\.port/);
      assert.doesNotMatch(addon.stdout, /^\{/m);
      const file = join(dir, 'auto.yaml');
      await writeFile(
        file,
        stringify({ data_dir: join(dir, 'data'), smtp: { host: '127.0.0.1', port: takenPort }, mqtt: { embedded_port: 0 } }),
      );
      const piped = await run(['--config', file]);
      assert.equal(piped.code, 1);
      assert.ok(
        piped.stdout
          .split('\n')
          .filter(Boolean)
          .every((line) => line.startsWith('{')),
        piped.stdout,
      );
    });

    it('names smtp.tls.cert when the certificate file is missing', async () => {
      const tls = { mode: 'starttls', cert: join(dir, 'missing-cert.pem'), key: join(dir, 'missing-key.pem') };
      const line = await fatalLine({ smtp: { ...(await smtpOnFreePort()), tls }, mqtt: { embedded_port: 0 } });
      assert.match(line, /^cannot start: smtp\.tls\.(cert|key) .*missing-(cert|key)\.pem: file not found: set smtp\.tls\.(cert|key)/);
    });
  });
});
