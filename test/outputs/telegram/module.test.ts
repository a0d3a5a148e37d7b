// The Telegram module: off without a token (nothing made, nothing sent), its health on the bus with one, and the
// add-on's options form giving the same section.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadAddonConfig } from '../../../src/config/addon.js';
import { Bus, type BusEvents } from '../../../src/core/bus.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import type { OutputContext } from '../../../src/outputs/module.js';
import { telegramModule } from '../../../src/outputs/telegram/module.js';
import { catalogOf } from '../../../src/sources/catalog.js';
import { buildProfiles } from '../../../src/sources/registry.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeTelegram } from '../../helpers/fake-telegram.js';

const alarm = alarmEvent();

describe('telegramModule', () => {
  const telegram = new FakeTelegram();
  let dataDir: string;
  before(async () => {
    await telegram.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-telegram-module-'));
  });
  after(async () => {
    await telegram.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function contextWith(bus: Bus): OutputContext {
    return {
      log: createLogger({ level: 'debug', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
      maskText: maskNumbersIn,
      bus,
      dataDir,
      now: Date.now,
      catalog: catalogOf(buildProfiles([])),
    } as unknown as OutputContext;
  }

  it('is off without a token: no health entities, no folder, nothing sent, no message made of an event', async () => {
    const bus = new Bus((_name, error) => assert.fail(error as Error));
    const health: BusEvents['health'][] = [];
    bus.on('health', (reported) => health.push(reported));
    const settings = telegramModule.schema.parse({ chat_ids: [Number('123456789')], api_url: telegram.url });
    assert.equal(telegramModule.health(settings), undefined);
    const { output } = await telegramModule.create(settings, contextWith(bus));
    await output.start();
    // Not "published": observers (metrics, the status page) count the event as not for Telegram.
    assert.deepEqual(await output.deliver(alarm), { messages: 0 });
    await output.stop();
    assert.deepEqual([health, await readdir(dataDir), telegram.requests.length], [[], [], 0]);
  });

  it('reports its problem flag and each final result as health on the bus', async () => {
    const bus = new Bus((_name, error) => assert.fail(error as Error));
    const health: BusEvents['health'][] = [];
    const sent = new Promise<void>((resolve) =>
      bus.on('health', (reported) => {
        health.push(reported);
        if (reported.last?.result === 'sent') resolve();
      }),
    );
    const settings = telegramModule.schema.parse({ bot_token: telegram.token, chat_ids: ['123456789'], api_url: telegram.url });
    const { output } = await telegramModule.create(settings, contextWith(bus));
    try {
      await output.start();
      await output.deliver(alarm);
      await sent;
    } finally {
      await output.stop();
    }
    assert.deepEqual(health[0], { output: 'telegram', problem: false, last: undefined });
    assert.deepEqual(
      [health.at(-1)?.problem, health.at(-1)?.last],
      [
        false,
        {
          time: (health.at(-1)?.last as { time?: string })?.time,
          chat: '*****6789',
          result: 'sent',
          message_id: String(telegram.delivered[0]?.messageIds[0]),
        },
      ],
    );
    assert.deepEqual(telegramModule.health(settings), {
      problem: { name: 'Telegram delivery problem' },
      last: { name: 'Last Telegram result', icon: 'mdi:send', options: ['sent', 'failed', 'suppressed'] },
    });
  });

  it('suppresses the messages of events withdrawn on the bus, from the moment it is built until its stop', async () => {
    const bus = new Bus((_name, error) => assert.fail(error as Error));
    const messages: BusEvents['message'][] = [];
    bus.on('message', (message) => messages.push(message));
    const settings = telegramModule.schema.parse({ bot_token: telegram.token, chat_ids: ['123456789'], api_url: telegram.url });
    const { output } = await telegramModule.create(settings, contextWith(bus));
    const escalation = alarmEvent({ text: 'Stufe 2' });
    const before = telegram.requests.length;
    try {
      // Before the output starts: a feature may withdraw at its own start.
      bus.emit('withdraw', { eventIds: [escalation.id], reason: 'acknowledged' });
      await output.start();
      await output.deliver(escalation);
      while (!messages.some((message) => message.state === 'suppressed')) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await output.stop();
    }
    assert.deepEqual(
      messages.map((message) => [message.output, message.state, message.reason]),
      [
        ['telegram', 'queued', undefined],
        ['telegram', 'suppressed', 'acknowledged'],
      ],
    );
    assert.equal(telegram.requests.length, before);
    assert.equal(bus.listenerCount('withdraw'), 0, 'unsubscribed at its stop');
  });

  it('takes the add-on options form as it is, with chat ids typed as text and an empty URL left out', async () => {
    const optionsFile = join(dataDir, 'options.json');
    await writeFile(
      optionsFile,
      JSON.stringify({
        telegram: { bot_token: telegram.token, chat_ids: ['123456789', '-1001234567890'], send_on: ['camera'], api_url: '' },
      }),
    );
    const config = await loadAddonConfig({ optionsFile, dataDir: '/data', smtpPort: 2525, httpPort: 8099 });
    assert.deepEqual(config.telegram, {
      bot_token: telegram.token,
      chat_ids: ['123456789', '-1001234567890'],
      send_on: ['camera'],
      template: '{summary}',
      photos: true,
      max_per_hour: 30,
      retry_minutes: 60,
      api_url: '',
    });
  });
});
