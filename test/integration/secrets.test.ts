// Secrets never leave: after a run with SMTP users, an MQTT password and an SMS token, none of them is in
// any log line, any MQTT payload or any file the bridge wrote to data_dir.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanUp } from '../helpers/cleanup.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FakeTwilio } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { replyCode, sendMail } from '../helpers/smtp-client.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('secrets', () => {
  const secrets = { smtp: 'smtp-user-password-7731', mqtt: 'mqtt-password-5519', twilio: '' };
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    secrets.twilio = twilio.authToken;
    subscriber = await Subscriber.connect(broker.url, ['#']);
    test = await startTestBridge({
      mqttUrl: broker.url,
      mqtt: { username: 'bridge', password: secrets.mqtt },
      smtp: { auth: 'required', users: [{ username: 'xt1', password: secrets.smtp }], allow_insecure_auth: true },
      sms: { provider: 'twilio', recipients: ['0170 1234567'], sender: '+15005550006', api_url: twilio.url, twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken } },
    });
  });
  after(() => cleanUp(() => subscriber.close(), () => test.stop(), () => twilio.stop(), () => broker.stop()));

  it('appear in no log line, MQTT payload or data file', async () => {
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' }, { auth: { user: 'xt1', pass: secrets.smtp } });
    await assert.rejects(sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'x' }, { auth: { user: 'xt1', pass: `${secrets.smtp}-wrong` } }), (error) => replyCode(error) === 535);
    await twilio.received(1);
    await subscriber.next('alarm-mail-bridge/sms/last');
    const written = [
      JSON.stringify(test.logs),
      ...subscriber.messages.map((message) => `${message.topic} ${message.payload}`),
      ...(await Promise.all((await filesUnder(test.dataDir)).map((file) => readFile(file, 'utf8')))),
    ].join('\n');
    for (const [name, secret] of Object.entries(secrets)) assert.ok(!written.includes(secret), `${name} secret leaked`);
    assert.ok(JSON.stringify(test.logs).includes('[redacted]'), 'the config dump shows them redacted');
  });
});
