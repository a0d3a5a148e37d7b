// One load against one started system, and its figures: mails per second, end of DATA → event at the subscriber
// and → 250, CPU per mail and syncs per mail over the load, and the process's peak RSS so far.
import type { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { Arrivals } from './arrivals.js';
import type { SyncCounts } from './fsync-shim.js';
import { cpuSeconds, peakRssMb } from './proc.js';
import { runLoad } from './smtp-load.js';
import { type Spread, spread } from './stats.js';
import type { System } from './systems.js';

export interface LoadFigures {
  mails: number;
  clients: number;
  /** Mails per second: all mails over the time from the first MAIL FROM to the last event (or 250). */
  perSecond: number;
  /** End of DATA → event at the subscriber; the 250 where the system publishes no events. */
  event: Spread;
  /** End of DATA → 250. */
  reply: Spread;
  cpuMsPerMail: number;
  peakRssMb: number;
  /** Syncs per mail over the load, when the system runs under the fsync shim. */
  syncs: SyncCounts | undefined;
}

export interface Load {
  mails: number;
  clients: number;
  /** Sequence number of the first mail, so that two loads on one subscriber tell their events apart. */
  first: number;
  intervalMs?: number;
  recipient?: (sequence: number) => string;
  /** Told each mail's end of DATA, for figures of other outputs (the SMS request). */
  onDataEnd?: (sequence: number, at: number) => void;
}

/** The XT1 alarm line the benchmark sends; the sensor name carries the sequence number. */
export const alarmBody = (sequence: number) => `Zone:${(sequence % 99) + 1} Bench ${sequence}, Innenbereich Alarm`;

export async function measureLoad(system: System, subscriber: Subscriber, load: Load): Promise<LoadFigures> {
  const arrivals = system.eventTopic ? Arrivals.of(subscriber, system.eventTopic) : undefined;
  const cpuBefore = await cpuSeconds(system.pid);
  const syncsBefore = await system.counter?.read();
  const start = performance.now();
  const timings = await runLoad(
    system.port,
    load.mails,
    load.clients,
    (sequence) => alarmBody(load.first + sequence),
    load.recipient ? (sequence) => load.recipient!(load.first + sequence) : undefined,
    load.intervalMs,
  );
  for (const timing of timings) load.onDataEnd?.(load.first + timing.sequence, timing.dataEnd);
  await arrivals?.all(timings.map((timing) => load.first + timing.sequence));
  const cpuMs = ((await cpuSeconds(system.pid)) - cpuBefore) * 1000;
  const syncsAfter = await system.counter?.read();
  const arrived = (sequence: number) => arrivals?.times.get(load.first + sequence) ?? Number.NaN;
  const ends = timings.map((timing) => (arrivals ? arrived(timing.sequence) : timing.replied));
  const reply = spread(timings.map((timing) => timing.replied - timing.dataEnd));
  return {
    mails: load.mails,
    clients: load.clients,
    perSecond: (load.mails / (Math.max(...ends) - start)) * 1000,
    event: arrivals ? spread(timings.map((timing) => arrived(timing.sequence) - timing.dataEnd)) : reply,
    reply,
    cpuMsPerMail: cpuMs / load.mails,
    peakRssMb: await peakRssMb(system.pid),
    syncs:
      syncsBefore && syncsAfter
        ? { file: (syncsAfter.file - syncsBefore.file) / load.mails, folder: (syncsAfter.folder - syncsBefore.folder) / load.mails }
        : undefined,
  };
}
