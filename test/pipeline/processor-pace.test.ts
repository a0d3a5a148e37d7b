// A flood must not grow what the processor holds: records waiting in memory are bounded in bytes (the rest is read
// back from the spool in its turn), and the SMTP intake is told to wait (`room`) while many records wait for their
// turn, but never for longer than a moment, so an output that is stuck never stops the intake. State written off
// the delivery path (an output's `settled`) still comes before the record is retired.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { AlarmEvent } from '../../src/core/event.js';
import type { DeliveryReceipt, Output } from '../../src/outputs/output.js';
import { AlarmStateStore } from '../../src/pipeline/alarm-state.js';
import { Delivery } from '../../src/pipeline/delivery.js';
import { Processor } from '../../src/pipeline/processor.js';
import type { RecordKind } from '../../src/pipeline/record-kind.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import type { SpoolRecord } from '../../src/spool/spool.js';

class CountingOutput implements Output {
  readonly name = 'counting';
  delivered = 0;
  /** Handed over with each delivery as its state write (DeliveryReceipt.settled), when set. */
  settled: Promise<void> | undefined;
  #expected = 0;
  #reached: () => void = () => undefined;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async deliver(_event: AlarmEvent): Promise<DeliveryReceipt> {
    if (++this.delivered >= this.#expected) this.#reached();
    return this.settled === undefined ? {} : { settled: this.settled };
  }
  until(count: number): Promise<void> {
    this.#expected = count;
    return this.delivered >= count ? Promise.resolve() : new Promise((resolve) => (this.#reached = resolve));
  }
}

/** A kind whose events wait until `release`: records pile up in the processor's queue meanwhile. */
function heldKind(): RecordKind & { release(): void } {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    name: 'held',
    release,
    async toEvent(record: SpoolRecord) {
      await released;
      const event: AlarmEvent = {
        id: record.id,
        time: new Date().toISOString(),
        input: 'test',
        source: 'test',
        category: 'status',
        type: 'test',
        alarm_state: null,
        zone: null,
        sensor: null,
        user: null,
        text: 'held',
      };
      return { event };
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Processor under a flood', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-processor-pace-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  async function setUp(name: string, roomWaitMs?: number) {
    const spool = new JournalSpool(join(dir, name));
    await spool.open();
    let reads = 0;
    const read = spool.read.bind(spool);
    spool.read = (id) => {
      reads++;
      return read(id);
    };
    const log = pino({ level: 'silent' });
    const alarmState = new AlarmStateStore(join(dir, name, 'state.json'));
    await alarmState.load();
    const kind = heldKind();
    const output = new CountingOutput();
    const processor = new Processor({
      spool,
      kinds: new Map([['held', kind]]),
      deliveries: [new Delivery(output, log, { window: 1, minRetryMs: 10, maxRetryMs: 100 })],
      alarmState,
      log,
      roomWaitMs,
    });
    await processor.start();
    const store = async (bytes: number) => {
      const draft = await spool.write({ kind: 'held', header: {}, body: Buffer.alloc(bytes, 0x61), maxBytes: bytes });
      const { id, record } = await draft.commit();
      processor.enqueue(id, record);
      return id;
    };
    return { spool, processor, kind, output, store, reads: () => reads };
  }

  it('keeps at most 16 MB of waiting records in memory and reads the others back in their turn', async () => {
    const { spool, processor, kind, output, store, reads } = await setUp('memory');
    try {
      // 80 records of 250 KB handed over in memory: 20 MB.
      for (let index = 0; index < 80; index++) await store(250 * 1024);
      kind.release();
      await output.until(80);
      const heldInMemory = Math.floor((16 * 1024 * 1024) / (250 * 1024));
      assert.ok(reads() >= 80 - heldInMemory, `${reads()} records read back from the spool`);
    } finally {
      await processor.stop();
      await spool.close();
    }
  });

  it('holds the intake while 64 records wait, and lets it go once they are processed', async () => {
    const { spool, processor, kind, output, store } = await setUp('room', 60_000);
    try {
      for (let index = 0; index < 63; index++) await store(10);
      let roomGiven = false;
      await processor.room();
      await store(10);
      const room = processor.room().then(() => (roomGiven = true));
      for (let index = 0; index < 10; index++) await tick();
      assert.equal(roomGiven, false, 'the intake waits while 64 records wait for their turn');
      kind.release();
      await room;
      await output.until(64);
    } finally {
      await processor.stop();
      await spool.close();
    }
  });

  it('lets the intake go after a moment even when nothing is processed', async () => {
    const { spool, processor, kind, store } = await setUp('stuck', 20);
    try {
      for (let index = 0; index < 70; index++) await store(10);
      await processor.room(); // resolves after 20 ms with the processor still held
      kind.release();
    } finally {
      await processor.stop();
      await spool.close();
    }
  });

  it("records the delivery, and retires the record, only once the output's state about it is on disk", async () => {
    const { spool, processor, kind, output, store } = await setUp('settled');
    let written: () => void = () => undefined;
    output.settled = new Promise((resolve) => (written = resolve));
    try {
      const id = await store(10);
      kind.release();
      await output.until(1);
      // Retiring takes a file removal; a tenth of a second is plenty for it to have happened had it not waited.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await spool.pending()).length, 1, 'still in the spool while the state is being written');
      assert.deepEqual([...spool.deliveredTo(id)], [], 'a crash now replays the event to the output, which writes its state again');
      written();
      while ((await spool.pending()).length > 0) await tick();
    } finally {
      await processor.stop();
      await spool.close();
    }
  });
});
