// What the intake writes to the log: the client's doing is not a storage failure, and neither numbers nor a
// password typed into the user name field appear in full. Number addresses work in SMS dry-run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { maskSecret } from '../../src/core/mask.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { RawSmtpClient, replyCode, sendMail } from '../helpers/smtp-client.js';

type LogLine = Record<string, unknown>;

/** Waits until a log line matches; the test's own timeout bounds the wait. */
async function logLine(test: TestBridge, matches: (line: LogLine) => boolean): Promise<LogLine> {
  for (;;) {
    const found = test.logs.find(matches);
    if (found) return found;
    await delay(20);
  }
}

const smtpLines = (test: TestBridge) => test.logs.filter((line) => line.component === 'smtp');

describe('intake log lines', () => {
  let broker: Mosquitto;
  const bridges: TestBridge[] = [];

  before(async () => (broker = await Mosquitto.start()));
  after(() => cleanUp(...bridges.map((bridge) => () => bridge.stop()), () => broker.stop()));

  async function bridgeWith(smtp: Record<string, unknown> = {}): Promise<TestBridge> {
    const bridge = await startTestBridge({ mqttUrl: broker.url, smtp });
    bridges.push(bridge);
    return bridge;
  }

  it('logs a client that leaves in the middle of DATA at info, as its own doing, with no 451 claim', async () => {
    const test = await bridgeWith();
    const client = await RawSmtpClient.connect(test.bridge.smtpPort);
    assert.match(await client.command('EHLO panel.local'), /^250/m);
    assert.match(await client.command('MAIL FROM:<xt1@panel.local>'), /^250 /);
    assert.match(await client.command('RCPT TO:<alarm@bridge.local>'), /^250 /);
    assert.match(await client.command('DATA'), /^354 /);
    client.write('Subject: half\r\n\r\nZone:1 Terrasse, Innen');
    client.destroy();
    const line = await logLine(test, (entry) => /went away|not stored/.test(String(entry.msg)));
    assert.equal(line.level, 30, `info, not ${String(line.level)}: ${String(line.msg)}`);
    assert.doesNotMatch(String(line.msg), /451/);
    assert.equal(line.err, undefined, 'no storage error attached');
    assert.deepEqual(
      test.logs.filter((entry) => Number(entry.level) >= 50),
      [],
      'nothing at error level',
    );
  });

  it('masks the user name of a refused AUTH: it may be a password typed into the wrong field', async () => {
    const test = await bridgeWith({ auth: 'required', users: [{ username: 'xt1', password: 's3cret' }], allow_insecure_auth: true });
    const typedAsUser = 'Sommer2024!Garage';
    await assert.rejects(
      sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: 'x' }, { auth: { user: typedAsUser, pass: 'xt1' } }),
      (error) => replyCode(error) === 535,
    );
    const line = await logLine(test, (entry) => String(entry.msg).startsWith('AUTH refused'));
    assert.equal(line.username, maskSecret(typedAsUser));
    assert.ok(!JSON.stringify(test.logs).includes(typedAsUser), 'the user name appears nowhere in full');
  });

  it('masks numbers in refused recipients, and in the sender and recipients of accepted mail', async () => {
    const test = await bridgeWith();
    await assert.rejects(sendMail(test.bridge.smtpPort, { to: '+999123456789@sms.local', body: 'x' }), (error) => replyCode(error) === 550);
    const refused = await logLine(test, (entry) => String(entry.msg).startsWith('recipient refused'));
    assert.equal(refused.recipient, '*********6789@sms.local');

    await sendMail(test.bridge.smtpPort, {
      from: '+491701234567@panel.local',
      to: ['alarm@bridge.local', '+4915112345678@sms.local'],
      body: 'Zone:1 Terrasse, Innenbereich Alarm',
    });
    const accepted = await logLine(test, (entry) => entry.msg === 'mail accepted');
    assert.equal(accepted.from, '*********4567@panel.local');
    assert.deepEqual(accepted.recipients, ['alarm@bridge.local', '**********5678@sms.local']);
    const intake = JSON.stringify(smtpLines(test));
    for (const number of ['999123456789', '491701234567', '4915112345678'])
      assert.ok(!intake.includes(number), `${number} in an intake line`);
  });
});

describe('number addresses in SMS dry-run', () => {
  let broker: Mosquitto;
  let test: TestBridge;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url }); // no sms.provider: dry-run
  });
  after(() =>
    cleanUp(
      () => test.stop(),
      () => broker.stop(),
    ),
  );

  it('accepts a mail to a number address and logs the would-be SMS to that number, masked', async () => {
    const { response } = await sendMail(test.bridge.smtpPort, {
      to: '+4915112345678@sms.local',
      body: 'Zone:3 Haustür, DC Open - Mobility',
    });
    assert.match(response, /^250 /);
    const dryRun = await logLine(test, (entry) => String(entry.msg).startsWith('SMS dry-run'));
    assert.equal(dryRun.to, '**********5678');
    assert.equal(dryRun.text, 'Zone:3 Haustür, DC Open - Mobility');
  });
});
