// The configuration as logged: one start-up summary, and a full dump with no secret, URL password or whole number.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuredValues, loggableConfig, startSummary } from '../../src/config/describe.js';
import { validateConfig } from '../../src/config/load.js';
import { secretPaths } from '../../src/config/schema.js';
import { redactUrl } from '../../src/log.js';

const accountSid = 'AC0123456789abcdef0123456789abcdef';
const secrets = [
  'mqtt-url-secret',
  'mqtt-password',
  'smtp-password',
  'cm-token',
  'twilio-token',
  'api-secret',
  'AAtelegram-token',
  'telegram-proxy-secret',
  '123456789',
  '1001234567890',
  'panel-web-password',
  'panel-code-4711',
];
const config = validateConfig(
  {
    data_dir: '/data',
    smtp: {
      host: '0.0.0.0',
      port: 2525,
      auth: 'required',
      allow_insecure_auth: true,
      users: [{ username: 'xt1', password: 'smtp-password' }],
    },
    mqtt: { url: 'mqtt://bridge:mqtt-url-secret@broker.lan:1883', password: 'mqtt-password' },
    sms: {
      provider: 'twilio',
      recipients: ['0170 1234567', '+49 151 12345678'],
      sender: '+15005550006',
      api_url: 'https://proxy:api-secret@sms.example',
      cm: { product_token: 'cm-token' },
      twilio: { account_sid: accountSid, auth_token: 'twilio-token' },
    },
    telegram: {
      bot_token: '987654321:AAtelegram-token',
      chat_ids: [123456789, '-1001234567890'],
      api_url: 'https://proxy:telegram-proxy-secret@tg.example',
    },
    rules: [{ match: '^Garage offen$', type: 'garage_open', category: 'status' }],
    panel_control: { url: 'http://192.168.0.10', username: 'admin', password: 'panel-web-password', code: 'panel-code-4711' },
  },
  'test',
);

describe('loggable configuration', () => {
  it('sums the start up in one line: version, SMTP, broker without its password, provider, rules, data_dir', () => {
    assert.deepEqual(startSummary(config, '1.2.3', 'embedded'), {
      version: '1.2.3',
      smtp: '0.0.0.0:2525',
      mqtt: 'mqtt://bridge:redacted@broker.lan:1883',
      sms: 'twilio',
      telegram: '2 chats',
      rules: 1,
      data_dir: '/data',
    });
    const standalone = validateConfig({}, 'test');
    assert.equal(startSummary(standalone, '1.2.3', 'embedded').mqtt, 'embedded on 127.0.0.1:1883');
    assert.equal(startSummary(standalone, '1.2.3', 'supervisor').mqtt, 'from the Supervisor');
    assert.equal(startSummary(standalone, '1.2.3', 'embedded').sms, 'dry-run');
    assert.equal(startSummary(standalone, '1.2.3', 'embedded').telegram, 'off');
  });

  it('keeps every setting in the full dump but no secret, URL password or whole number', () => {
    const dumped = JSON.stringify(loggableConfig(config));
    for (const secret of secrets) assert.ok(!dumped.includes(secret), secret);
    for (const number of ['1701234567', '15112345678', '5005550006', accountSid.slice(0, -4)]) assert.ok(!dumped.includes(number), number);
    const logged = loggableConfig(config);
    assert.deepEqual(logged.sms.recipients, ['*********4567', '**********5678']);
    assert.equal(logged.sms.sender, '********0006');
    assert.equal(logged.mqtt.url, 'mqtt://bridge:redacted@broker.lan:1883');
    assert.equal(logged.sms.twilio.account_sid, `${'*'.repeat(30)}cdef`, 'the account SID like a number');
    assert.equal(logged.smtp.users[0]?.username, 'xt1');
    assert.deepEqual(logged.rules, config.rules);
  });

  it('redacts every path the schema names as secret, and keeps an unset one empty', () => {
    const logged = loggableConfig(config);
    const unset = loggableConfig(validateConfig({ smtp: { users: [{ username: 'a', password: 'b' }] } }, 'test'));
    for (const path of secretPaths) {
      const values = (dump: unknown) =>
        path
          .split(/\.|(?=\[)/)
          .reduce<unknown[]>(
            (found, key) => found.flatMap((value) => (key === '[*]' ? (value as unknown[]) : [(value as Record<string, unknown>)[key]])),
            [dump],
          );
      assert.ok(
        values(config).every((value) => typeof value === 'string' && value !== ''),
        `the test config sets ${path}`,
      );
      assert.deepEqual(new Set(values(logged)), new Set(['[redacted]']), path);
      assert.ok(
        values(unset).every((value) => value === '' || value === '[redacted]'),
        path,
      );
    }
  });

  it('names every secret and account id set, for masking them inside texts from outside', () => {
    const values = configuredValues(config, {});
    // The schema's secret keys, and the passwords inside the broker's and the providers' URLs.
    assert.deepEqual(
      new Set(values.secrets),
      new Set([
        'smtp-password',
        'mqtt-password',
        'cm-token',
        'twilio-token',
        '987654321:AAtelegram-token',
        'mqtt-url-secret',
        'api-secret',
        'telegram-proxy-secret',
        'panel-web-password',
        'panel-code-4711',
      ]),
    );
    assert.deepEqual(values.identifiers, [accountSid]);
    assert.deepEqual(configuredValues(validateConfig({}, 'test'), {}), { secrets: [], identifiers: [] });
  });

  it('names a password inside a URL and the Supervisor token as secrets too', () => {
    const withUrl = validateConfig({ mqtt: { url: 'mqtts://bridge:s%40cret-in-url@broker.local:8883' } }, 'test');
    assert.deepEqual(configuredValues(withUrl, { SUPERVISOR_TOKEN: 'supervisor-token-value' }).secrets, [
      's@cret-in-url',
      'supervisor-token-value',
    ]);
  });

  it('leaves a sender ID of letters readable', () => {
    assert.equal(loggableConfig(validateConfig({ sms: { sender: 'Alarm' } }, 'test')).sms.sender, 'Alarm');
  });

  it('redacts credentials in a URL, also in one that does not parse', () => {
    assert.equal(redactUrl('mqtts://user:p%40ss@broker:8883'), 'mqtts://user:redacted@broker:8883');
    assert.equal(redactUrl('mqtt://host:1883'), 'mqtt://host:1883');
    assert.equal(redactUrl('mqtt://user:secret@[bad'), 'mqtt://[redacted]@[bad');
  });
});
