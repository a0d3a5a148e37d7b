// The Telegram output as a module: its config section, secret, add-on options, health and how it is built. Without
// a bot token nothing of Telegram is loaded, no folder is made and nothing is contacted.
import { BacklogGauge } from '../../core/backlog.js';
import type { BusEvents } from '../../core/bus.js';
import { outputModule } from '../module.js';
import type { Output } from '../output.js';
import { defaultApiUrl, telegramSchema } from './config.js';
import { telegramHealth } from './health.js';

const minuteMs = 60_000;
/** A photo upload takes longer than a text; a request that hangs longer is retried. */
const requestTimeoutMs = 30_000;

/** Telegram off: takes every event and makes no message of it (observers count it as not for Telegram, not as sent). */
const off: Output = {
  name: 'telegram',
  start: async () => undefined,
  deliver: async () => ({ messages: 0 }),
  stop: async () => undefined,
};

export const telegramModule = outputModule({
  name: 'telegram',
  schema: telegramSchema.prefault({}),
  secrets: ['bot_token'],
  environment: { ALARM_MAIL_BRIDGE_TELEGRAM_BOT_TOKEN: ['bot_token'] },
  // The add-on's form has the same flat keys; chat ids are typed as text there.
  health: (settings) => telegramHealth(settings.bot_token !== ''),
  async create(settings, { log: root, bus, dataDir, now, images, catalog, maskText }) {
    const delivery = { window: 1, minRetryMs: 500, maxRetryMs: 30_000 };
    if (!settings.bot_token) return { output: off, delivery };
    const log = root.child({ component: 'telegram' });
    const [{ TelegramOutput }, { BotApi }, { JobStore }, { followWithdrawals }] = await Promise.all([
      import('./index.js'),
      import('./bot-api.js'),
      import('../../spool/job-store.js'),
      import('../outbox/withdrawals.js'),
    ]);
    // Health as data on the bus: whoever shows it (MQTT) subscribes; this output calls no other.
    let health: BusEvents['health'] = { output: 'telegram', problem: undefined, last: undefined };
    const report = (change: Partial<BusEvents['health']>) => {
      health = { ...health, ...change };
      bus.emit('health', health);
    };
    const output = new TelegramOutput(
      {
        chatIds: settings.chat_ids,
        sendOn: settings.send_on,
        // The camera profiles' events, with or without a picture (a camera's video loss too).
        cameraSources: new Set(catalog.cameraSources),
        template: settings.template,
        photos: settings.photos,
        maxPerHour: settings.max_per_hour,
        retryForMs: settings.retry_minutes * minuteMs,
        retryBaseMs: 5_000,
        maxRetryDelayMs: 5 * minuteMs,
      },
      {
        api: new BotApi({ token: settings.bot_token, apiUrl: settings.api_url || defaultApiUrl, timeoutMs: requestTimeoutMs }),
        images,
        jobs: new JobStore(dataDir, 'telegram'),
        log,
        maskText,
        onResult: (result) => report({ last: result }),
        onProblem: (problem) => report({ problem }),
        onProgress: (progress) => bus.emit('message', { output: 'telegram', ...progress }),
        now,
        backlog: new BacklogGauge(bus, 'outbox/telegram'),
      },
    );
    const unfollow = followWithdrawals(bus, output, log);
    return {
      output: {
        name: output.name,
        start: () => output.start(),
        deliver: (event) => output.deliver(event),
        stop: async () => {
          unfollow();
          await output.stop();
        },
      },
      delivery,
    };
  },
});
