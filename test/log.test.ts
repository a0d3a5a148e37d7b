// The log's two formats: which one `log_format` picks where, the start line as one pretty line, and secrets
// masked in pretty lines as in JSON ones (the masking hook runs before either is written); redaction by the paths
// the caller names, which the composition root takes from the schema's secrets.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { configuredValues, logRedactPaths, startSummary } from '../src/config/describe.js';
import { validateConfig } from '../src/config/load.js';
import { configuredValuesMasker } from '../src/core/mask.js';
import { createLogger, type LogFormat, resolveLogFormat } from '../src/log.js';

function capture(format: LogFormat, maskText?: (line: string) => string, redactPaths?: readonly string[]) {
  let text = '';
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      text += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({
    level: 'info',
    destination,
    format,
    ...(maskText ? { maskText } : {}),
    ...(redactPaths ? { redactPaths } : {}),
  });
  return { log, text: () => text };
}

describe('log format', () => {
  it('auto is JSON in a pipe, pretty on a terminal and in the add-on; pretty and json are taken as set', () => {
    const cases = [
      ['auto', { terminal: false, addon: false }, 'json'],
      ['auto', { terminal: true, addon: false }, 'pretty'],
      ['auto', { terminal: false, addon: true }, 'pretty'],
      ['pretty', { terminal: false, addon: false }, 'pretty'],
      ['json', { terminal: true, addon: true }, 'json'],
    ] as const;
    for (const [setting, where, expected] of cases)
      assert.equal(resolveLogFormat(setting, where), expected, `${setting} ${JSON.stringify(where)}`);
  });

  it('accepts log_format in the configuration, auto by default', () => {
    assert.equal(validateConfig({}, 'test').log_format, 'auto');
    assert.equal(validateConfig({ log_format: 'pretty' }, 'test').log_format, 'pretty');
    assert.throws(() => validateConfig({ log_format: 'colour' }, 'test'), /log_format/);
  });

  it('writes the start line as one pretty line with the local time and every field', () => {
    const config = validateConfig({ mqtt: { url: 'mqtt://bridge:s3cret-pass@broker:1883' }, data_dir: '/data' }, 'test');
    const { log, text } = capture('pretty');
    log.info(startSummary(config, '1.2.3', 'embedded'), 'starting Alarm Mail Bridge');
    const lines = text().split('\n').filter(Boolean);
    assert.equal(lines.length, 1, text());
    assert.match(
      lines[0] ?? '',
      /^\[\d{2}:\d{2}:\d{2}\] INFO: starting Alarm Mail Bridge \{.*"version":"1\.2\.3".*"smtp":"0\.0\.0\.0:2525".*"data_dir":"\/data"\}$/,
    );
    assert.ok(!text().includes('s3cret-pass'));
  });

  it('masks configured secrets in pretty lines too', () => {
    const token = '123456789:AAH-secret_TOKEN-0123456789';
    const config = validateConfig(
      { telegram: { bot_token: token, chat_ids: ['123456789'] }, mqtt: { password: 'mqtt-pass-4711' } },
      'test',
    );
    const { log, text } = capture('pretty', configuredValuesMasker(configuredValues(config)));
    log.warn({ url: `https://api.telegram.org/bot${token}/sendMessage` }, `Telegram said: token ${token} refused`);
    log.debug({ config }, 'configuration');
    log.info({ config }, 'configuration');
    assert.match(text(), /WARN: Telegram said: token \[redacted\] refused/);
    assert.ok(!text().includes(token) && !text().includes('mqtt-pass-4711'), text());
    assert.match(text(), /"password":"\[redacted\]"/);
  });

  it('redacts the paths its caller names, and only those', () => {
    const { log, text } = capture('json', undefined, ['request.authorization']);
    log.info({ request: { authorization: 'Bearer abc-4711', path: '/x' } }, 'asked');
    assert.deepEqual((JSON.parse(text()) as { request: unknown }).request, { authorization: '[redacted]', path: '/x' });
  });

  it('redacts every secret of a configuration logged whole, given the paths the composition root passes', () => {
    const config = validateConfig(
      {
        mqtt: { password: 'mqtt-pass-4711' },
        sms: { provider: 'cm', sender: 'Alarm', recipients: ['+491701234567'], cm: { product_token: 'cm-token-0815' } },
        telegram: { bot_token: '1:tg-token-42', chat_ids: ['123456789'] },
        smtp: { users: [{ username: 'xt1', password: 'smtp-pass-99' }] },
      },
      'test',
    );
    const { log, text } = capture('json', undefined, logRedactPaths);
    log.info({ config }, 'configuration');
    for (const secret of ['mqtt-pass-4711', 'cm-token-0815', '1:tg-token-42', 'smtp-pass-99'])
      assert.ok(!text().includes(secret), `${secret} in ${text()}`);
  });

  it('writes JSON lines when asked for json', () => {
    const { log, text } = capture('json');
    log.info({ a: 1 }, 'hello');
    assert.deepEqual(JSON.parse(text()), { level: 30, time: (JSON.parse(text()) as { time: number }).time, a: 1, msg: 'hello' });
  });
});
