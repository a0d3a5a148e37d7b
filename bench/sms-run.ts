// The bridge with an SMS output (CM.com's SDK aimed at a local fake): end of DATA → MQTT event and → the SMS
// request at the provider. Each mail goes to its own number, so the per-number hourly limit stays out of the way.
import { FakeCm } from '../test/helpers/fake-cm.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { Arrivals } from './arrivals.js';
import type { FsyncShim } from './fsync-shim.js';
import { type LoadFigures, measureLoad } from './measure.js';
import { type Spread, spread } from './stats.js';
import { type System, startBridge } from './systems.js';

export interface SmsFigures {
  load: LoadFigures;
  sms: Spread & { perSecond: number };
}

const smsNumber = (sequence: number) => `+4915110${String(sequence).padStart(6, '0')}`;

export async function runBridgeWithSms(
  settings: { mails: number; clients: number; intervalMs: number },
  nodeArgs: string[],
  shim: FsyncShim | undefined,
  config: Record<string, unknown>,
): Promise<SmsFigures> {
  const broker = await Mosquitto.start();
  const cm = await new FakeCm().start();
  let subscriber: Subscriber | undefined;
  let bridge: System | undefined;
  try {
    subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/event']);
    const sms = { provider: 'cm', sender: 'Alarm', api_url: cm.url, cm: { product_token: cm.productToken } };
    bridge = await startBridge({ brokerUrl: broker.url, shim, nodeArgs, config: { ...config, sms } });
    const texts = new Arrivals();
    cm.onRequest = (request) => texts.note(request.body);
    const start = performance.now();
    const dataEnds = new Map<number, number>();
    const load = await measureLoad(bridge, subscriber, {
      ...settings,
      first: 0,
      recipient: (sequence) => `${smsNumber(sequence)}@sms.local`,
      onDataEnd: (sequence, at) => dataEnds.set(sequence, at),
    });
    const sequences = [...dataEnds.keys()];
    await texts.all(sequences);
    const lastText = Math.max(...texts.times.values());
    return {
      load,
      sms: {
        ...spread(sequences.map((sequence) => (texts.times.get(sequence) ?? Number.NaN) - dataEnds.get(sequence)!)),
        perSecond: (settings.mails / (lastText - start)) * 1000,
      },
    };
  } finally {
    await bridge?.stop();
    await subscriber?.close();
    await cm.stop();
    await broker.stop();
  }
}
