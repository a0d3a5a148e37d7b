// `alarm-mail-bridge send-test` as a user runs it, against a real bridge (login required) and a real Mosquitto:
// each kind's mail is accepted with the bridge's own reply and becomes a `test` event on MQTT; the camera's
// snapshot is stored and published.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { cleanUp } from '../helpers/cleanup.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { freePort } from '../helpers/ports.js';

const bin = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', bin, ...args], { env: { PATH: process.env.PATH, OPTIONS_FILE: '/nonexistent/options.json' }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('send-test', () => {
  const smtp = { auth: 'required', users: [{ username: 'xt1', password: 'send-test-password-93' }], allow_insecure_auth: true, alarm_recipients: ['einbruch', 'alarm'] };
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;
  let dir: string;
  let configFile: string;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url, smtp });
    subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/#']);
    dir = await mkdtemp(join(tmpdir(), 'amb-send-test-'));
    configFile = join(dir, 'config.yaml');
    // The user's file says 0.0.0.0 and the port the bridge listens on; send-test goes to 127.0.0.1.
    await writeFile(configFile, stringify({ smtp: { ...smtp, host: '0.0.0.0', port: test.bridge.smtpPort }, mqtt: { url: broker.url } }));
  });
  after(() => cleanUp(() => subscriber.close(), () => test.stop(), () => broker.stop(), () => rm(dir, { recursive: true, force: true })));

  const eventTo = async (address: string) => {
    const message = await subscriber.next('alarm-mail-bridge/event', (candidate) => (JSON.parse(candidate.payload) as { recipients: string[] }).recipients.includes(address));
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

    const camera = await run(['send-test', 'camera', '--config', configFile, '--host', '127.0.0.1', '--port', String(test.bridge.smtpPort)]);
    assert.equal(camera.code, 0, camera.stderr);
    assert.match(camera.stdout, /250 .*Queued as/);
    const cameraEvent = await eventTo('camera@alarm-mail-bridge.local');
    assert.equal(cameraEvent.category, 'test');
    assert.equal((cameraEvent.images as unknown[] | undefined)?.length, 1, JSON.stringify(cameraEvent));
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
