// Configuration: defaults, a YAML file, environment overrides, and one clear line per problem.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigInvalid, loadConfig } from '../../src/config/load.js';

describe('loadConfig', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-config-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  async function fileWith(yaml: string): Promise<string> {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, yaml);
    return file;
  }

  async function problemsOf(yaml: string): Promise<string[]> {
    const error = await loadConfig({ file: await fileWith(yaml), env: {} }).then(
      () => assert.fail('expected ConfigInvalid'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ConfigInvalid);
    return error.problems;
  }

  it('runs on defaults alone: SMTP 2525, embedded broker, alarm/status recipients', async () => {
    const config = await loadConfig({ env: {} });
    assert.equal(config.smtp.port, 2525);
    assert.equal(config.smtp.host, '0.0.0.0');
    assert.equal(config.smtp.max_message_kb, 10240);
    assert.deepEqual([config.smtp.alarm_recipients, config.smtp.status_recipients], [['alarm'], ['status']]);
    assert.equal(config.mqtt.url, '');
    assert.equal(config.mqtt.topic_prefix, 'alarm-mail-bridge');
    assert.equal(config.data_dir, './data');
    assert.ok(Object.isFrozen(config.smtp));
  });

  it('reads a YAML file and keeps defaults for what it leaves out', async () => {
    const config = await loadConfig({
      file: await fileWith(
        'log_level: debug\nsmtp:\n  port: 25\n  alarm_recipients: [Alarm, Einbruch]\nmqtt:\n  url: mqtt://broker:1883\n',
      ),
      env: {},
    });
    assert.equal(config.log_level, 'debug');
    assert.equal(config.smtp.port, 25);
    assert.deepEqual(config.smtp.alarm_recipients, ['alarm', 'einbruch'], 'local parts compare in lower case');
    assert.equal(config.smtp.max_message_kb, 10240);
    assert.equal(config.mqtt.url, 'mqtt://broker:1883');
  });

  it('takes credentials from the environment over the file', async () => {
    const config = await loadConfig({
      file: await fileWith('mqtt:\n  username: file-user\n  password: file-secret\n'),
      env: { ALARM_MAIL_BRIDGE_MQTT_PASSWORD: 'env-secret', ALARM_MAIL_BRIDGE_MQTT_URL: 'mqtts://broker:8883' },
    });
    assert.deepEqual([config.mqtt.username, config.mqtt.password, config.mqtt.url], ['file-user', 'env-secret', 'mqtts://broker:8883']);
  });

  it('names an unknown key', async () => {
    assert.deepEqual(await problemsOf('smtp:\n  prot: 25\n'), ['unknown key "smtp.prot"']);
  });

  it('names a wrong type with what was expected', async () => {
    const [problem] = await problemsOf('smtp:\n  port: "twenty-five"\n');
    assert.match(problem ?? '', /^smtp\.port: .*expected number/);
  });

  it('lists every problem at once', async () => {
    const problems = await problemsOf(
      'log_level: loud\nmqtt:\n  topic_prefix: "alarm/#"\nrules:\n  - match: "("\n    type: Bad Type\n    category: alarm\n',
    );
    assert.deepEqual(
      problems.map((problem) => problem.split(':')[0]),
      ['log_level', 'mqtt.topic_prefix', 'rules.0.match', 'rules.0.type'],
    );
  });

  it('says so when the file is missing or not YAML', async () => {
    await assert.rejects(loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /missing\.yaml: file not found/);
    await assert.rejects(loadConfig({ file: await fileWith('smtp: [unclosed\n'), env: {} }), /not valid YAML/);
    await assert.rejects(loadConfig({ file: await fileWith('- a list\n'), env: {} }), /expected a mapping/);
  });

  it('names line and column of a YAML syntax error and quotes that line', async () => {
    assert.deepEqual(await problemsOf('log_level: info\nsmtp:\n\tport: 25\n'), [
      'not valid YAML at line 3, column 1 (TAB_AS_INDENT): Tabs are not allowed as indentation: "\\tport: 25"',
    ]);
    assert.deepEqual(await problemsOf('smtp:\n  port: 2525\n   host: 0.0.0.0\n'), [
      'not valid YAML at line 2, column 9 (BLOCK_AS_IMPLICIT_KEY): Nested mappings are not allowed in compact mappings: "  port: 2525"',
    ]);
  });

  it('does not quote a secret from the line of a YAML syntax error', async () => {
    const [problem] = await problemsOf('mqtt:\n  password: "s3cr"et-value\n');
    assert.match(problem ?? '', /^not valid YAML at line 2, column \d+ \(\w+\): .*: " {2}password: \[redacted\]"$/);
    assert.doesNotMatch(problem ?? '', /s3cr|et-value/);
  });

  it('does not quote a password inside a URL on the line of a YAML syntax error', async () => {
    const [problem] = await problemsOf('mqtt:\n  url: mqtt://user:s3cret@host: 1883\n');
    assert.match(problem ?? '', /^not valid YAML at line 2, .*: " {2}url: mqtt:\/\/user:redacted@host: 1883"$/);
    assert.doesNotMatch(problem ?? '', /s3cret/);
  });

  it('does not quote any secret of a flow mapping on the line of a YAML syntax error', async () => {
    const [problem] = await problemsOf('mqtt: {url: "mqtt://user:s3cret@host", password: "pw1", x: [}\n');
    assert.match(
      problem ?? '',
      /^not valid YAML at line 1, .*: "mqtt: \{url: \\"mqtt:\/\/user:redacted@host\\", password: \[redacted\], x: \[\}"$/,
    );
    assert.doesNotMatch(problem ?? '', /s3cret|pw1/);
    const [tokens] = await problemsOf('sms: {cm: {product_token: \'a,b\'}, twilio: {auth_token: "c}d", x: [}\n');
    assert.match(tokens ?? '', /product_token: \[redacted\]\}, twilio: \{auth_token: \[redacted\], x:/);
  });

  it('masks phone numbers on the line of a YAML syntax error', async () => {
    const [problem] = await problemsOf('sms:\n  recipients: [+49 170 1234567, 0170 7654321] x: [\n');
    assert.match(problem ?? '', /^not valid YAML at line 2, .*: " {2}recipients: \[\*+4567, \*+4321\] x: \["$/);
    assert.doesNotMatch(problem ?? '', /170 123|170 765/);
  });

  it('normalizes SMS numbers to E.164 and refuses a wrong one, naming its entry', async () => {
    const config = await loadConfig({
      file: await fileWith('sms:\n  recipients: ["+49 170 1234567", "0170 7654321", "0043 664 1234567"]\n'),
      env: {},
    });
    assert.deepEqual(config.sms.recipients, ['+491701234567', '+491707654321', '+436641234567']);
    assert.equal(config.sms.provider, 'none');
    const problems = await problemsOf('sms:\n  recipients: ["+49 170 1234567", "0815"]\n');
    assert.deepEqual(problems, ['sms.recipients.1: "0815" is not a valid phone number (region DE)']);
    // possible by its length, but no German mobile number: refused at start like letters
    assert.deepEqual(await problemsOf('sms:\n  recipients: ["0170 12", "+49 170 1234567", alarm]\n'), [
      'sms.recipients.0: "0170 12" is not a valid phone number (region DE)',
      'sms.recipients.2: "alarm" is not a valid phone number (region DE)',
    ]);
  });

  it("shows a wrong number long enough to be someone's with its last four digits only", async () => {
    assert.deepEqual(await problemsOf('sms:\n  recipients: ["+49 170 123456", "+1 555 0100 99"]\n'), [
      'sms.recipients.0: "**********3456" is not a valid phone number (region DE)',
      'sms.recipients.1: "**********0 99" is not a valid phone number (region DE)',
    ]);
  });

  it('names what a provider needs and takes its token from the environment', async () => {
    assert.deepEqual(await problemsOf('sms:\n  provider: cm\n'), [
      'sms.cm.product_token: required for provider cm',
      'sms.sender: required for provider cm (sender ID or number)',
    ]);
    const config = await loadConfig({
      file: await fileWith('sms:\n  provider: cm\n  sender: Alarm\n'),
      env: { ALARM_MAIL_BRIDGE_SMS_CM_PRODUCT_TOKEN: 'token-from-env' },
    });
    assert.equal(config.sms.cm.product_token, 'token-from-env');
  });

  it('checks a fallback provider like the provider, and failover_after against retry_minutes', async () => {
    assert.deepEqual(await problemsOf('sms:\n  fallback_provider: twilio\n'), [
      'sms.fallback_provider: needs a provider (cm or twilio) to fall back from',
      'sms.twilio.account_sid: required for fallback_provider twilio',
      'sms.twilio.auth_token: required for fallback_provider twilio',
      'sms.sender: required for fallback_provider twilio unless twilio.sender or twilio.messaging_service_sid is set',
    ]);
    const cm = 'sms:\n  provider: cm\n  sender: Alarm\n  cm:\n    product_token: t0ken-0000\n';
    assert.deepEqual(await problemsOf(`${cm}  fallback_provider: cm\n`), [
      'sms.fallback_provider: must be the other provider than provider',
    ]);
    const twilio = '  twilio:\n    account_sid: AC1\n    auth_token: s3cret-0000\n    sender: "+15005550006"\n';
    assert.deepEqual(await problemsOf(`${cm}  fallback_provider: twilio\n  retry_minutes: 2\n${twilio}`), [
      'sms.failover_after: must be shorter than retry_minutes (2 min): the fallback needs time to deliver',
    ]);
    assert.deepEqual(await problemsOf(`${cm}  fallback_provider: twilio\n  failover_after: 10s\n${twilio}`), [
      'sms.failover_after: at least 30 s',
    ]);
    const config = await loadConfig({
      file: await fileWith(`${cm}  fallback_provider: twilio\n  failover_after: 90s\n${twilio}`),
      env: {},
    });
    assert.deepEqual(
      [config.sms.fallback_provider, config.sms.failover_after, config.sms.twilio.sender, config.sms.sender],
      ['twilio', 90_000, '+15005550006', 'Alarm'],
    );
    assert.equal((await loadConfig({ file: await fileWith(cm), env: {} })).sms.failover_after, 120_000, 'two minutes by default');
  });
});
