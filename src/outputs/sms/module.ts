// The SMS output as a module: its config section, secrets, add-on options, health and how it is built. The
// output itself and the provider SDKs are loaded only when it is built.
import { BacklogGauge } from '../../core/backlog.js';
import type { BusEvents } from '../../core/bus.js';
import { numberInAddress } from '../../core/phone.js';
import { outputModule } from '../module.js';
import { smsFromAddonOptions, smsSection } from './config.js';
import { smsHealth } from './health.js';

const minuteMs = 60_000;

export const smsModule = outputModule({
  name: 'sms',
  schema: smsSection.prefault({}),
  secrets: ['cm.product_token', 'twilio.auth_token'],
  identifiers: ['twilio.account_sid'],
  environment: {
    ALARM_MAIL_BRIDGE_SMS_CM_PRODUCT_TOKEN: ['cm', 'product_token'],
    ALARM_MAIL_BRIDGE_SMS_TWILIO_AUTH_TOKEN: ['twilio', 'auth_token'],
  },
  fromAddonOptions: smsFromAddonOptions,
  // Number addresses are taken in dry-run too, so the routing can be tried before a provider is paid.
  addresses: (settings) => (address) => numberInAddress(address, settings.default_region) !== undefined,
  health: (settings) => smsHealth(settings.provider !== 'none'),
  async create(settings, { log: root, bus, dataDir, now, maskText }) {
    const log = root.child({ component: 'sms' });
    const [{ SmsOutput }, { loadProviders }, { JobStore }, { followWithdrawals }] = await Promise.all([
      import('./index.js'),
      import('./providers/load.js'),
      import('../../spool/job-store.js'),
      import('../outbox/withdrawals.js'),
    ]);
    // Health as data on the bus: whoever shows it (MQTT today) subscribes; this output calls no other.
    let health: BusEvents['health'] = { output: 'sms', problem: undefined, last: undefined };
    const report = (change: Partial<BusEvents['health']>) => {
      health = { ...health, ...change };
      bus.emit('health', health);
    };
    const output = new SmsOutput(
      {
        defaultRecipients: settings.recipients,
        sendOn: settings.send_on,
        defaultRegion: settings.default_region,
        template: settings.template,
        maxParts: settings.max_parts,
        maxPerHour: settings.max_per_hour,
        retryForMs: settings.retry_minutes * minuteMs,
        retryBaseMs: 5_000,
        maxRetryDelayMs: 5 * minuteMs,
        failoverAfterMs: settings.failover_after,
      },
      {
        providers: await loadProviders(settings, log),
        jobs: new JobStore(dataDir, 'sms'),
        log,
        maskText,
        onResult: (result) => report({ last: result }),
        onProblem: (problem) => report({ problem }),
        onProgress: (progress) => bus.emit('message', { output: 'sms', ...progress }),
        now,
        backlog: new BacklogGauge(bus, 'outbox/sms'),
      },
    );
    if (settings.provider === 'none')
      log.info({ recipients: settings.recipients.length }, 'no SMS provider configured: SMS dry-run, texts are only logged');
    const unfollow = followWithdrawals(bus, output, log);
    // The output only stores jobs when fed; it sends on its own schedule.
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
      delivery: { window: 1, minRetryMs: 500, maxRetryMs: 30_000 },
    };
  },
});
