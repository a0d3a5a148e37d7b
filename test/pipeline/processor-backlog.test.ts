// The processor's backlogs on the bus as they change: the spool's (records not yet retired, those left from
// before the start included) and each output's (events accepted and not yet delivered).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { BacklogClock } from '../../src/core/backlog.js';
import { Bus, type BusEvents } from '../../src/core/bus.js';
import type { AlarmEvent } from '../../src/core/event.js';
import { IsolatedParser } from '../../src/mail/isolated-parser.js';
import type { Output } from '../../src/outputs/output.js';
import { AlarmStateStore } from '../../src/pipeline/alarm-state.js';
import { Delivery } from '../../src/pipeline/delivery.js';
import { buildRecordKinds } from '../../src/pipeline/kinds/index.js';
import { Processor } from '../../src/pipeline/processor.js';
import { mailRecord } from '../../src/smtp/mail-record.js';
import { buildProfiles } from '../../src/sources/registry.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';

/** Delivers when released (a broker that is down until then); a stop fails what waits. */
class HeldOutput implements Output {
  readonly name: string;
  readonly delivered: string[] = [];
  #waiting: { resolve: () => void; reject: (error: Error) => void; id: string }[] = [];
  #arrived: (() => void) | undefined;
  constructor(name: string) {
    this.name = name;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    for (const waiting of this.#waiting.splice(0)) waiting.reject(new Error('stopped'));
  }
  deliver(event: AlarmEvent): Promise<void> {
    this.#arrived?.();
    return new Promise((resolve, reject) =>
      this.#waiting.push({
        resolve: () => {
          this.delivered.push(event.id);
          resolve();
        },
        reject,
        id: event.id,
      }),
    );
  }
  async arrived(count: number): Promise<void> {
    while (this.#waiting.length < count) await new Promise<void>((resolve) => (this.#arrived = resolve));
  }
  release(): void {
    for (const waiting of this.#waiting.splice(0)) waiting.resolve();
  }
}

const envelope = {
  from: 'xt1@panel.local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const log = pino({ level: 'silent' });
/** Each reading is a second after the last: every depth is told at once, none waits for the coalescing interval. */
function spacedClock(): BacklogClock {
  let time = 0;
  return { now: () => (time += 1000), schedule: () => () => undefined };
}

describe('Processor backlog on the bus', () => {
  let dataDir: string;
  const parser = new IsolatedParser();
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-backlog-'))));
  after(async () => {
    await parser.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("tells the spool depth at start and as records come and go, and each output's depth as events wait for it", async () => {
    const spool = new JournalSpool(dataDir);
    await spool.open();
    const store = async (body: string) =>
      await (await spool.write(mailRecord(envelope, Buffer.from(`Subject: XT1\r\n\r\n${body}\r\n`), 1024))).commit();
    await store('Zone:1 Terrasse, Innenbereich Alarm'); // left from before the start
    const bus = new Bus((_name, error) => assert.fail(String(error)));
    const seen: BusEvents['backlog'][] = [];
    bus.on('backlog', (backlog) => seen.push(backlog));
    const depthOf = (queue: string) => seen.filter((backlog) => backlog.queue === queue).at(-1)?.depth;
    const alarmState = new AlarmStateStore(join(dataDir, 'state.json'));
    await alarmState.load();
    const mqtt = new HeldOutput('mqtt');
    const sms = new HeldOutput('sms');
    const clock = spacedClock();
    const worker = new Processor({
      spool,
      kinds: buildRecordKinds({ parser, profiles: buildProfiles([]), routes: { alarm: ['alarm'], status: ['status'] } }),
      deliveries: [mqtt, sms].map((output) => new Delivery(output, log, { window: 1, minRetryMs: 10, maxRetryMs: 100 }, bus, clock)),
      alarmState,
      log,
      bus,
      backlogClock: clock,
    });
    await worker.start();
    assert.deepEqual([depthOf('spool'), depthOf('mqtt'), depthOf('sms')], [1, 0, 0], 'at start: the record left in the spool');
    await Promise.all([mqtt.arrived(1), sms.arrived(1)]);
    assert.deepEqual([depthOf('spool'), depthOf('mqtt'), depthOf('sms')], [1, 1, 1], 'its event waits for both outputs');
    const { id, record } = await store('Zone:2 Flur, Innenbereich Alarm');
    worker.enqueue(id, record);
    assert.equal(depthOf('spool'), 2, 'told as the record is handed over');
    mqtt.release();
    sms.release();
    await Promise.all([mqtt.arrived(1), sms.arrived(1)]);
    mqtt.release();
    sms.release();
    while ((await spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual([depthOf('spool'), depthOf('mqtt'), depthOf('sms')], [0, 0, 0], 'both delivered and retired');
    await worker.stop();
    await spool.close();
  });
});
