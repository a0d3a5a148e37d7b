// Secrets and numbers never leave: after a run with SMTP users, an MQTT password (as option and inside mqtt.url),
// an SMS token, a mail to a number address, a provider refusal that quotes the number and one that echoes the token
// and the account SID, no secret is in any log line, MQTT payload or file the bridge wrote to data_dir, and no phone
// number or account SID is there in full.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio, twilioError } from '../helpers/fake-twilio.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { replyCode, sendMail } from '../helpers/smtp-client.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The bridge's work queues must hold the number: an SMS job is sent to it after a restart, a finished job lets a
 * replay and the hourly limit recognise the number after a restart, and a spooled mail is the mail as received
 * (its envelope names the number address) until it is retired. They stay in data_dir, the bridge's own folder, and
 * are still searched for secrets.
 */
const holdsNumbersByNeed = (path: string) => path.startsWith(`outbox${sep}`) || path.startsWith(`spool${sep}`);

describe('secrets and numbers', () => {
  const secrets = { smtp: 'smtp-user-password-7731', mqtt: 'mqtt-password-5519', mqttUrl: 'mqtt-url-password-2284', twilio: '' };
  /** Every number the user wrote or addressed, in their notation, in E.164, in CM's 00 notation, and its national digits. */
  const numbers = [
    '0170 1234567',
    '+491701234567',
    '00491701234567',
    '1701234567',
    '+15005550006',
    '5005550006',
    '+4915112345678',
    '15112345678',
    '0151.1234.5678',
    '0170.123.4567',
  ];
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
      mqttUrl: `mqtt://bridge:${secrets.mqttUrl}@127.0.0.1:${broker.port}`,
      mqtt: { username: 'bridge', password: secrets.mqtt },
      smtp: { auth: 'required', users: [{ username: 'xt1', password: secrets.smtp }], allow_insecure_auth: true },
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
    });
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  it('appear in no log line, MQTT payload or data file', async () => {
    const auth = { auth: { user: 'xt1', pass: secrets.smtp } };
    // Twilio's own words for a number it cannot use, quoting it.
    twilio.scripted.push(twilioError(400, 21211, "The 'To' number +491701234567 is not a valid phone number."));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' }, auth);
    await subscriber.next('alarm-mail-bridge/sms/last', (message) => message.payload.includes('21211'));
    // A provider that echoes what it was sent in its error: the token and the account SID, which must not leave either.
    twilio.scripted.push(
      twilioError(401, 20003, `Authenticate: Auth Token ${twilio.authToken} is not valid for account ${twilio.accountSid}`),
    );
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:2 Flur, Innenbereich Alarm' }, auth);
    await subscriber.next('alarm-mail-bridge/sms/last', (message) => message.payload.includes('20003'));
    await sendMail(test.bridge.smtpPort, { to: '+4915112345678@sms.local', body: 'Zone:3 Haustür, DC Open - Mobility' }, auth);
    await subscriber.next('alarm-mail-bridge/sms/last', (message) => message.payload.includes('"sent"'));
    // A number written with dots, as the address and as the sender.
    await sendMail(
      test.bridge.smtpPort,
      { to: '0151.1234.5678@sms.local', from: '0170.123.4567@panel.local', body: 'Zone:3 Haustür, DC Close - Mobility' },
      auth,
    );
    await subscriber.next('alarm-mail-bridge/last_event', (message) => message.payload.includes('DC Close'));
    await assert.rejects(
      sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'x' }, { auth: { user: 'xt1', pass: `${secrets.smtp}-wrong` } }),
      (error) => replyCode(error) === 535,
    );
    await subscriber.next('alarm-mail-bridge/last_event', (message) => message.payload.includes('sms.local'));

    const logs = JSON.stringify(test.logs);
    const payloads = subscriber.messages.map((message) => `${message.topic} ${message.payload}`);
    const files = await dataFiles(test.dataDir);
    const everything = [logs, ...payloads, ...files.map((file) => file.text)].join('\n');
    for (const [name, secret] of Object.entries(secrets)) assert.ok(!everything.includes(secret), `${name} secret leaked`);
    const outside = [
      logs,
      ...payloads,
      ...files.filter((file) => !holdsNumbersByNeed(file.path)).map((file) => `${file.path}: ${file.text}`),
    ];
    for (const number of [...numbers, twilio.accountSid]) {
      const leaks = outside
        .filter((text) => text.includes(number))
        .map((text) => text.slice(Math.max(0, text.indexOf(number) - 300), text.indexOf(number) + 60));
      assert.deepEqual(leaks, [], `${number} in full`);
    }

    assert.ok(logs.includes('[redacted]'), 'the debug dump shows the secrets redacted');
    const start = test.logs.find((line) => line.msg === 'starting Alarm Mail Bridge');
    assert.equal(start?.mqtt, `mqtt://bridge:redacted@127.0.0.1:${broker.port}`);
    assert.ok(
      payloads.some((payload) => payload.includes('**********5678@sms.local')),
      'a number address shows masked',
    );
    assert.ok(
      payloads.some((payload) => payload.includes('*********4567 is not a valid phone number')),
      "the provider's text shows the number masked",
    );
    const echoed = payloads.find((payload) => payload.includes('20003'));
    assert.match(
      echoed ?? '',
      /Auth Token \[redacted\] is not valid for account \*{30}0001/,
      'the echoed token and account SID show masked',
    );
    assert.ok(
      files.some((file) => holdsNumbersByNeed(file.path) && file.text.includes('+4915112345678')),
      'the outbox keeps the number it must send to',
    );
  });

  it('logs one line at info to start, and the whole configuration only at debug', () => {
    const start = test.logs.filter((line) => line.msg === 'starting Alarm Mail Bridge');
    assert.equal(start.length, 1);
    assert.equal(start[0]?.level, 30);
    assert.deepEqual(
      Object.keys(start[0] ?? {}).filter((key) => !['level', 'time', 'msg'].includes(key)),
      ['version', 'smtp', 'mqtt', 'sms', 'telegram', 'rules', 'data_dir'],
    );
    const dump = test.logs.filter((line) => 'config' in line);
    assert.deepEqual(
      dump.map((line) => line.level),
      [20],
    );
  });
});

describe('one masker for the log and the outputs', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let subscriber: Subscriber;
  /** What the command line builds once and gives both the logger and the bridge; here it also hides one word. */
  const word = 'Hausnummer-4711';
  const maskValues = (text: string) => text.replaceAll(word, '[masked]');

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/sms/last']);
    test = await startTestBridge({
      mqttUrl: broker.url,
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      maskValues,
    });
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => twilio.stop(),
      () => broker.stop(),
    ),
  );

  it('masks a provider error in the outputs with the masker the log was given', async () => {
    twilio.scripted.push(twilioError(400, 21211, `Rejected: ${word} is not allowed`));
    await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' });
    const last = await subscriber.next('alarm-mail-bridge/sms/last', (message) => message.payload.includes('21211'));
    assert.match(last.payload, /Rejected: \[masked\] is not allowed/);
    assert.ok(!JSON.stringify(test.logs).includes(word), 'the log masks it too');
  });
});

/**
 * Every file under `dataDir` with its text. A file renamed between the listing and its read (a state file's temporary
 * file) makes the whole look start again, so that its new name is read too.
 */
async function dataFiles(dataDir: string): Promise<{ path: string; text: string }[]> {
  for (;;) {
    const files = await Promise.all(
      (await filesUnder(dataDir)).map(async (file) => ({
        path: relative(dataDir, file),
        text: await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
          error.code === 'ENOENT' ? undefined : Promise.reject(error),
        ),
      })),
    );
    if (files.every((file) => file.text !== undefined)) return files as { path: string; text: string }[];
  }
}
