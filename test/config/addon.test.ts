// The add-on's options.json as configuration, and the MQTT broker from a local server that answers like
// the Supervisor (`{"result":"ok","data":{…}}`, 400 "Service not enabled", 401).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadAddonConfig } from '../../src/config/addon.js';
import { ConfigInvalid, validateConfig } from '../../src/config/load.js';
import { lookUpMqttService, mqttServiceWhenReady, type SupervisorLookupFailed } from '../../src/config/supervisor.js';
import { addonHttp } from '../../src/features/http/config.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../helpers/ports.js';

const addonOptions = async () =>
  (parse(await readFile(new URL('../../addon/config.yaml', import.meta.url), 'utf8')) as { options: Record<string, unknown> }).options;

describe('add-on options', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-addon-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  async function load(options: unknown) {
    const optionsFile = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(optionsFile, JSON.stringify(options));
    return loadAddonConfig({ optionsFile, dataDir: '/data', smtpPort: 2525, httpPort: 8099 });
  }

  it('gives the bridge its defaults from the add-on defaults: the two schemas agree', async () => {
    const fromAddon = await load(await addonOptions());
    const defaults = validateConfig({ data_dir: '/data', smtp: { host: '0.0.0.0' }, http: addonHttp }, 'defaults');
    assert.deepEqual(fromAddon, defaults);
  });

  it("serves the status page to Home Assistant's ingress proxy and the container only, on 8099", async () => {
    const config = await load(await addonOptions());
    assert.deepEqual(config.http, { host: '0.0.0.0', port: 8099, allowed_networks: ['172.30.32.2/32'], host_names: ['*'] });
  });

  it('keeps defaults for optional keys left out or empty', async () => {
    const config = await load({ log_level: 'debug', log_format: 'json', mqtt: { url: '', password: null }, sms: { sender: '' } });
    assert.deepEqual([config.log_level, config.log_format], ['debug', 'json']);
    assert.deepEqual(
      [config.mqtt.url, config.mqtt.password, config.mqtt.topic_prefix, config.sms.provider],
      ['', '', 'alarm-mail-bridge', 'none'],
    );
    assert.deepEqual([config.data_dir, config.smtp.host, config.smtp.port], ['/data', '0.0.0.0', 2525]);
  });

  it('maps the flat SMS provider keys of the options form', async () => {
    const config = await load({
      sms: {
        provider: 'twilio',
        sender: '+15005550006',
        twilio_account_sid: 'AC1',
        twilio_auth_token: 'secret',
        recipients: ['0170 1234567'],
      },
    });
    assert.deepEqual(
      [config.sms.twilio.account_sid, config.sms.twilio.auth_token, config.sms.recipients],
      ['AC1', 'secret', ['+491701234567']],
    );
  });

  it('maps the flat keys of a fallback provider: its own sender and URL, the failover time', async () => {
    const config = await load({
      sms: {
        provider: 'cm',
        fallback_provider: 'twilio',
        failover_after: '3m',
        cm_product_token: 'cm-token',
        cm_sender: 'Alarm',
        cm_api_url: 'https://gw.cmtelecom.de',
        twilio_account_sid: 'AC1',
        twilio_auth_token: 'secret',
        twilio_sender: '+15005550006',
        twilio_api_url: '',
      },
    });
    assert.deepEqual(
      [config.sms.fallback_provider, config.sms.failover_after, config.sms.cm, config.sms.twilio],
      [
        'twilio',
        180_000,
        { product_token: 'cm-token', sender: 'Alarm', api_url: 'https://gw.cmtelecom.de' },
        { account_sid: 'AC1', auth_token: 'secret', messaging_service_sid: '', sender: '+15005550006', api_url: '' },
      ],
    );
  });

  it('uses Home Assistant’s certificate in /ssl for TLS, and takes SMTP users from their own list', async () => {
    const config = await load({
      smtp: { tls_mode: 'implicit', tls_min_version: 'TLSv1', auth: 'required', allow_insecure_auth: false },
      smtp_users: [{ username: 'xt1', password: 'pw' }],
    });
    assert.deepEqual(config.smtp.tls, { mode: 'implicit', cert: '/ssl/fullchain.pem', key: '/ssl/privkey.pem', min_version: 'TLSv1' });
    assert.deepEqual(config.smtp.users, [{ username: 'xt1', password: 'pw' }]);
  });

  it('reads a text output template saved with the former default {text} as {summary}, any other as written', async () => {
    const saved = await load({ sms: { template: '{text}' }, telegram: { template: '{text}' } });
    assert.deepEqual([saved.sms.template, saved.telegram.template], ['{summary}', '{summary}']);
    const chosen = await load({ sms: { template: '{type}: {text}' }, telegram: { template: 'Kamera {sensor}: {text}' } });
    assert.deepEqual([chosen.sms.template, chosen.telegram.template], ['{type}: {text}', 'Kamera {sensor}: {text}']);
  });

  it('names a wrong type in one clear error', async () => {
    const error = await load({ smtp: { max_message_kb: 'big' } }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ConfigInvalid);
    assert.match(error.message, /smtp\.max_message_kb: .*expected number/);
  });

  it('takes cameras and snapshot limits; empty match fields of a camera are left out', async () => {
    const config = await load({
      ...(await addonOptions()),
      cameras: [{ id: 'garage', name: 'Garage', match_recipient: '', match_from: 'nvr@cam.local', match_name: null }],
      snapshots: { max_image_kb: 1024, max_total_mb: 50, max_age_days: 2 },
    });
    assert.deepEqual(config.cameras, [{ id: 'garage', name: 'Garage', match_from: 'nvr@cam.local' }]);
    assert.deepEqual(config.snapshots, { max_image_kb: 1024, max_total_mb: 50, max_age_days: 2 });
    assert.deepEqual(config.smtp.camera_recipients, ['camera']);
  });

  it("takes supervision's intervals from the form, a camera's too; empty ones leave supervision off", async () => {
    const config = await load({
      ...(await addonOptions()),
      supervision: { panel_silent_after: '25h' },
      cameras: [
        { id: 'hof', name: 'Hof', silent_after: '2d' },
        { id: 'garage', name: 'Garage', silent_after: '' },
      ],
    });
    assert.deepEqual(config.supervision, { panel_silent_after: 25 * 3_600_000 });
    assert.deepEqual(
      config.cameras.map((camera) => camera.silent_after),
      [2 * 86_400_000, undefined],
    );
    const off = await load(await addonOptions());
    assert.equal(off.supervision.panel_silent_after, undefined);
    await assert.rejects(load({ supervision: { panel_silent_after: '30s' } }), /supervision\.panel_silent_after: .*at least 60 s/);
  });

  it('turns the Contact ID receiver on in the container at 50000 once an account is set, and leaves it off without', async () => {
    const on = await load({ contact_id: { accounts: ['1234'] }, supervision: { contact_id_silent_after: '25h' } });
    assert.deepEqual(on.contact_id, { host: '0.0.0.0', port: 50_000, accounts: ['1234'] });
    assert.equal(on.supervision.contact_id_silent_after, 25 * 3600_000);
    const off = await load({ contact_id: { accounts: [] } });
    assert.deepEqual(off.contact_id, { host: '0.0.0.0', port: 0, accounts: [] });
  });

  it('says so when options.json is not readable', async () => {
    await assert.rejects(
      loadAddonConfig({ optionsFile: join(dir, 'missing.json'), dataDir: '/data', smtpPort: 2525, httpPort: 8099 }),
      /cannot read the add-on options/,
    );
  });
});

describe('MQTT service from the Supervisor', () => {
  const token = 'supervisor-token-123';
  const answers: { status: number; body: unknown }[] = [];
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((request, response) => {
      const answer =
        request.headers.authorization !== `Bearer ${token}`
          ? { status: 401, body: { result: 'error', message: 'Unauthorized' } }
          : (answers.shift() ?? {
              status: 200,
              body: {
                result: 'ok',
                data: {
                  addon: 'core_mosquitto',
                  host: 'core-mosquitto',
                  port: 1883,
                  ssl: false,
                  protocol: '3.1.1',
                  username: 'addons',
                  password: 'pw',
                },
              },
            });
      response
        .writeHead(request.url === '/services/mqtt' ? answer.status : 404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('expected a failure'),
      (error: unknown) => error as SupervisorLookupFailed,
    );

  it('reads host, port, TLS and credentials', async () => {
    assert.deepEqual(await lookUpMqttService(url, token), { url: 'mqtt://core-mosquitto:1883', username: 'addons', password: 'pw' });
    answers.push({ status: 200, body: { result: 'ok', data: { host: 'broker', port: '8883', ssl: true } } });
    assert.deepEqual(await lookUpMqttService(url, token), { url: 'mqtts://broker:8883', username: '', password: '' });
  });

  it('tells "not enabled", a refused token and an unreachable Supervisor apart', async () => {
    answers.push({ status: 400, body: { result: 'error', message: 'Service not enabled' } });
    assert.equal((await failureOf(lookUpMqttService(url, token))).reason, 'not_enabled');
    assert.equal((await failureOf(lookUpMqttService(url, 'wrong'))).reason, 'unauthorized');
    assert.equal((await failureOf(lookUpMqttService(`http://127.0.0.1:${await freePort()}`, token))).reason, 'unreachable');
  });

  it('waits until the broker is there, logging each kind of failure once', async () => {
    answers.push(...Array.from({ length: 3 }, () => ({ status: 400, body: { result: 'error', message: 'Service not enabled' } })));
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const connection = await mqttServiceWhenReady(url, token, log, 1);
    assert.equal(connection.url, 'mqtt://core-mosquitto:1883');
    assert.equal(lines.filter((line) => line.includes('not_enabled')).length, 1);
    assert.ok(!lines.join('').includes('pw'), 'the broker password is not logged');
  });
});
