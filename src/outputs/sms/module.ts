// The SMS output as a module: its config section, secrets, add-on options, health and how it is built: SMS through
// the provider (and its fallback), voice calls and replies through Twilio when Twilio is configured. The output
// itself and the provider SDKs are loaded only when it is built, and an SDK only for a provider that is configured.
import { BacklogGauge } from '../../core/backlog.js';
import type { BusEvents } from '../../core/bus.js';
import { numberInAddress } from '../../core/phone.js';
import { outputModule } from '../module.js';
import type { VoiceCalls } from './calls/index.js';
import { configuredProviders, providerSettings, smsFromAddonOptions, smsSection } from './config.js';
import { smsHealth } from './health.js';
import { providerTimeoutMs } from './providers/provider.js';
import type { ReplyWatcher } from './replies/index.js';

const minuteMs = 60_000;
/** Between looks for replies while an incident is open. */
const replyPollMs = 15_000;

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
    const [{ SmsOutput }, { loadProviders }, { JobStore }, { followWithdrawals }, { PhoneOutput }] = await Promise.all([
      import('./index.js'),
      import('./providers/load.js'),
      import('../../spool/job-store.js'),
      import('../outbox/withdrawals.js'),
      import('./phone-output.js'),
    ]);
    // Health as data on the bus: whoever shows it (MQTT today) subscribes; this output calls no other.
    let health: BusEvents['health'] = { output: 'sms', problem: undefined, last: undefined };
    const report = (change: Partial<BusEvents['health']>) => {
      health = { ...health, ...change };
      bus.emit('health', health);
    };
    const outbox = {
      maxPerHour: settings.max_per_hour,
      retryForMs: settings.retry_minutes * minuteMs,
      retryBaseMs: 5_000,
      maxRetryDelayMs: 5 * minuteMs,
    };
    const sms = new SmsOutput(
      {
        defaultRecipients: settings.recipients,
        sendOn: settings.send_on,
        defaultRegion: settings.default_region,
        template: settings.template,
        maxParts: settings.max_parts,
        ...outbox,
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

    // Calls and replies need Twilio, and a Twilio number: to call from, and to read the replies it received.
    const twilioSender = configuredProviders(settings).includes('twilio') ? providerSettings(settings, 'twilio').sender : '';
    // An alphanumeric sender ID can send SMS in some countries, but neither call nor receive.
    const twilioNumber = /^\+[1-9]\d{6,14}$/.test(twilioSender) ? twilioSender : '';
    const account = {
      accountSid: settings.twilio.account_sid,
      authToken: settings.twilio.auth_token,
      apiUrl: providerSettings(settings, 'twilio').apiUrl,
      timeoutMs: providerTimeoutMs,
    };
    let calls: VoiceCalls | undefined;
    let replies: ReplyWatcher | undefined;
    if (twilioNumber) {
      const [{ VoiceCalls }, { TwilioCaller }, { ReplyWatcher }, { TwilioInbox }] = await Promise.all([
        import('./calls/index.js'),
        import('./calls/twilio-caller.js'),
        import('./replies/index.js'),
        import('./replies/twilio-inbox.js'),
      ]);
      calls = new VoiceCalls(
        { ...outbox, defaultRegion: settings.default_region },
        {
          caller: new TwilioCaller({ ...account, from: twilioNumber }),
          jobs: new JobStore(dataDir, 'call'),
          log,
          maskText,
          now,
          onProgress: (progress) => bus.emit('message', { output: 'call', ...progress }),
          backlog: new BacklogGauge(bus, 'outbox/call'),
        },
      );
      replies = new ReplyWatcher(
        { ourNumber: twilioNumber, pollMs: replyPollMs, maxBackoffMs: 5 * minuteMs },
        {
          inbox: new TwilioInbox(account),
          sentTo: (number, sinceMs) => output.sentTo(number, sinceMs),
          onReply: (reply) => bus.emit('reply', reply),
          log,
          now,
        },
      );
    }
    const callsOff = configuredProviders(settings).includes('twilio')
      ? 'Twilio has no phone number (+…) to call from: set sms.twilio.sender or sms.sender to it'
      : 'they need Twilio as sms.provider or sms.fallback_provider';
    const output = new PhoneOutput({ sms, calls, replies, log, callsOff });
    // From the moment it is built: a feature may withdraw, or tell of an open incident, at its own start.
    const unsubscribe = [followWithdrawals(bus, output, log), bus.on('incident', (facts) => output.incident(facts))];
    // The output only stores jobs when fed; it sends on its own schedule.
    return {
      output: {
        name: output.name,
        start: () => output.start(),
        deliver: (event) => output.deliver(event),
        stop: async () => {
          for (const stop of unsubscribe) stop();
          await output.stop();
        },
      },
      delivery: { window: 1, minRetryMs: 500, maxRetryMs: 30_000 },
    };
  },
});
