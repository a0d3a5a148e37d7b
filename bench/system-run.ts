// One system through the benchmark's steps, on its own Mosquitto: ready time, connect → 220 on the idle system,
// a one-client load (latency without queueing), then the load of the run (throughput, p99, RSS, CPU, syncs).
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { type LoadFigures, measureLoad } from './measure.js';
import { connectToGreeting } from './process.js';
import { type Spread, spread } from './stats.js';
import type { System } from './systems.js';

export interface SystemFigures {
  readyMs: number;
  /** Connect → 220, connections opened one after another on the idle system. */
  greeting: Spread & { max: number };
  oneClient: LoadFigures;
  load: LoadFigures;
}

export interface RunSettings {
  mails: number;
  clients: number;
  oneClientMails: number;
  greetings: number;
  intervalMs: number;
}

/** Starts the system with `start`, measures it, and stops it and its broker whatever happens. */
export async function runSystem(start: (brokerUrl: string) => Promise<System>, settings: RunSettings): Promise<SystemFigures> {
  const broker = await Mosquitto.start();
  let subscriber: Subscriber | undefined;
  let system: System | undefined;
  try {
    subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/event', 'bench/sink']);
    system = await start(broker.url);
    const greetings = await connectToGreeting(system.port, settings.greetings);
    const oneClient = await measureLoad(system, subscriber, { mails: settings.oneClientMails, clients: 1, first: 1_000_000 });
    const load = await measureLoad(system, subscriber, {
      mails: settings.mails,
      clients: settings.clients,
      first: 0,
      intervalMs: settings.intervalMs,
    });
    return { readyMs: system.readyMs, greeting: { ...spread(greetings), max: Math.max(...greetings) }, oneClient, load };
  } finally {
    await system?.stop();
    await subscriber?.close();
    await broker.stop();
  }
}
