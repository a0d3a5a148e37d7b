// `alarm-mail-bridge send-test` as a user runs it, against a real bridge (login required) and a real Mosquitto:
// each kind's mail is accepted with the bridge's own reply and becomes a `test` event on MQTT, also where a user's
// rule matches "Alarm"; the camera's snapshot is stored and published. A mail the configuration would read as
// anything but a test is not sent; a password goes to another machine only over a certificate Node trusts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { stringify } from 'yaml';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const bin = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', bin, ...args], {
    env: { PATH: process.env.PATH, OPTIONS_FILE: '/nonexistent/options.json' },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('send-test', () => {
  const smtp = {
    auth: 'required',
    users: [{ username: 'xt1', password: 'send-test-password-93' }],
    allow_insecure_auth: true,
    alarm_recipients: ['einbruch', 'alarm'],
  };
  // A user's rule that makes any line naming "Alarm" an alarm: the test mails must not set it off.
  const rules = [{ match: 'Alarm', type: 'intrusion', category: 'alarm', alarm_state: 'triggered' }];
  const cameras = [{ id: 'garage', name: 'Garage', match_recipient: 'garage' }];
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;
  let dir: string;
  let configFile: string;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url, smtp, rules, cameras });
    subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/#']);
    dir = await mkdtemp(join(tmpdir(), 'amb-send-test-'));
    configFile = join(dir, 'config.yaml');
    // The user's file says 0.0.0.0 and the port the bridge listens on; send-test goes to 127.0.0.1.
    await writeFile(configFile, stringify(configWith({})));
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
      () => rm(dir, { recursive: true, force: true }),
    ),
  );

  /** The user's file: 0.0.0.0 and the port the bridge listens on (send-test goes to 127.0.0.1), `change` on top. */
  const configWith = (change: { smtp?: Record<string, unknown>; rules?: unknown[] }) => ({
    smtp: { ...smtp, host: '0.0.0.0', port: test.bridge.smtpPort, ...change.smtp },
    mqtt: { url: broker.url },
    rules: change.rules ?? rules,
    cameras,
  });
  const writeConfig = async (name: string, change: Parameters<typeof configWith>[0]) => {
    const file = join(dir, name);
    await writeFile(file, stringify(configWith(change)));
    return file;
  };

  const eventTo = async (address: string) => {
    const message = await subscriber.next('alarm-mail-bridge/event', (candidate) =>
      (JSON.parse(candidate.payload) as { recipients: string[] }).recipients.includes(address),
    );
    return JSON.parse(message.payload) as Record<string, unknown>;
  };

  it('sends a test mail to the first alarm address, logged in as the first user, and the bridge makes a test event of it', async () => {
    const { code, stdout, stderr } = await run(['send-test', 'alarm', '--config', configFile]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^alarm test mail sent to 127\\.0\\.0\\.1:${test.bridge.smtpPort}: 250 .*Queued as \\S+`));
    const event = await eventTo('einbruch@alarm-mail-bridge.local');
    // Accepted at all means logged in: with auth required, MAIL without AUTH is refused with 530.
    assert.deepEqual([event.category, event.type, event.alarm_state], ['test', 'test', null]);
  });

  it('sends a status test, and a camera test with a snapshot that is stored and published', async () => {
    const status = await run(['send-test', 'status', '--config', configFile]);
    assert.equal(status.code, 0, status.stderr);
    const statusEvent = await eventTo('status@alarm-mail-bridge.local');
    assert.equal(statusEvent.category, 'test');

    const camera = await run([
      'send-test',
      'camera',
      '--config',
      configFile,
      '--host',
      '127.0.0.1',
      '--port',
      String(test.bridge.smtpPort),
    ]);
    assert.equal(camera.code, 0, camera.stderr);
    assert.match(camera.stdout, /250 .*Queued as/);
    const cameraEvent = await eventTo('camera@alarm-mail-bridge.local');
    assert.equal(cameraEvent.category, 'test');
    assert.deepEqual([cameraEvent.sensor, cameraEvent.device], ['Send-test camera', 'send_test_camera']);
    assert.equal((cameraEvent.images as unknown[] | undefined)?.length, 1, JSON.stringify(cameraEvent));
  });

  it('refuses with one line and sends nothing when the configuration would read the test mail as anything but a test', async () => {
    // Against a port where nothing listens: a send attempt would end in "is the bridge running there?".
    const port = String(await freePort());
    const file = await writeConfig('delivery-check-is-alarm.yaml', {
      rules: [{ match: 'delivery check', type: 'intrusion', category: 'alarm', alarm_state: 'triggered' }],
    });
    for (const kind of ['alarm', 'camera']) {
      const { code, stdout, stderr } = await run(['send-test', kind, '--config', file, '--port', port]);
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.match(
        stderr,
        new RegExp(
          `^alarm-mail-bridge: send-test ${kind}: the bridge would read this ${kind} test mail as alarm \\(type intrusion, .*\\), not as a test: not sent; check rules: for a match on it\n$`,
        ),
      );
    }
  });

  it('names an empty camera_recipients as a setting, not as a connection problem', async () => {
    const file = join(dir, 'no-camera-address.yaml');
    await writeFile(file, stringify({ ...configWith({ smtp: { camera_recipients: [] } }), cameras: [] }));
    const { code, stderr } = await run(['send-test', 'camera', '--config', file]);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      'alarm-mail-bridge: send-test camera: smtp.camera_recipients is empty and no camera has a match_recipient: no address to send a camera test to\n',
    );
  });

  it('sends the camera test to a configured camera’s match_recipient when camera_recipients is empty', async () => {
    const file = await writeConfig('camera-by-match-recipient.yaml', { smtp: { camera_recipients: [] } });
    const { code, stderr } = await run(['send-test', 'camera', '--config', file]);
    assert.equal(code, 0, stderr);
    const event = await eventTo('garage@alarm-mail-bridge.local');
    // The configured camera's own address: the test is that camera's, no camera is made up for it.
    assert.deepEqual([event.category, event.device, event.sensor], ['test', 'garage', 'Garage']);
  });

  it('says where it could not connect, with exit code 1', async () => {
    const { code, stderr } = await run(['send-test', 'alarm', '--config', configFile, '--port', String(await freePort())]);
    assert.equal(code, 1);
    assert.match(stderr, /^alarm-mail-bridge: send-test alarm to 127\.0\.0\.1:\d+: .*ECONNREFUSED.*is the bridge running there\?/);
  });

  it('refuses an unknown kind with the usage', async () => {
    const { code, stderr } = await run(['send-test', 'fire', '--config', configFile]);
    assert.equal(code, 1);
    assert.match(stderr, /send-test needs one of alarm, status, camera/);
  });
});

/** This machine's first address that is not loopback: where a stranger could stand between send-test and the bridge. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;

describe('send-test over TLS with a login', { skip: outsideAddress ? false : 'no non-loopback IPv4 address on this machine' }, () => {
  let dir: string;
  let certificate: { cert: string; key: string };
  let server: SMTPServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'amb-send-test-tls-'));
    certificate = await selfSignedCertificate();
  });
  after(() =>
    cleanUp(
      () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
      () => rm(dir, { recursive: true, force: true }),
    ),
  );

  /** An SMTP server with a self-signed certificate (as a bridge's, or a stranger's, may be) that notes every login. */
  async function listen(host: string): Promise<{ port: number; logins: string[] }> {
    const logins: string[] = [];
    const [cert, key] = await Promise.all([readFile(certificate.cert), readFile(certificate.key)]);
    server = new SMTPServer({
      secure: false,
      cert,
      key,
      authOptional: false,
      onAuth: (auth, _session, done) => {
        logins.push(`${auth.username}:${auth.password ?? ''}`);
        done(null, { user: auth.username });
      },
      onData: (stream, _session, done) => {
        stream.resume();
        stream.on('end', () => done());
      },
    });
    await new Promise<void>((resolve) => server!.listen(0, host, resolve));
    return { port: (server.server.address() as AddressInfo).port, logins };
  }

  it('sends the password to another machine only when it trusts its certificate; on this machine a self-signed one is fine', async () => {
    const file = join(dir, 'config.yaml');
    const users = [{ username: 'xt1', password: 'tls-secret-password-41' }];
    await writeFile(file, stringify({ smtp: { auth: 'required', users, tls: { mode: 'starttls', ...certificate } } }));

    const outside = await listen(outsideAddress!);
    const refused = await run(['send-test', 'status', '--config', file, '--host', outsideAddress!, '--port', String(outside.port)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /self-signed certificate/);
    assert.deepEqual(outside.logins, []);
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    const local = await listen('127.0.0.1');
    const sent = await run(['send-test', 'status', '--config', file, '--host', '127.0.0.1', '--port', String(local.port)]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.deepEqual(local.logins, ['xt1:tls-secret-password-41']);
  });
});
