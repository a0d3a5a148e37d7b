// A bridge runs for months: once a mail's event is delivered and the mail retired, nothing of it may stay in
// memory. Many large mails go through the real spool, parser thread, worker and deliveries; after a full GC the
// heap is back where it started.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
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

// `npm test` runs without --expose-gc; this file runs in its own process, so the flag can be set here.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after full collections, once pending reactions have run. */
async function heapAfterGc(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** An output that keeps nothing: it counts, and says when it has seen `expected` events. */
class CountingOutput implements Output {
  readonly name = 'counting';
  delivered = 0;
  #expected = 0;
  #reached: () => void = () => undefined;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async deliver(_event: AlarmEvent): Promise<void> {
    this.delivered += 1;
    if (this.delivered === this.#expected) this.#reached();
  }

  until(expected: number): Promise<void> {
    this.#expected = expected;
    return this.delivered >= expected ? Promise.resolve() : new Promise((resolve) => (this.#reached = resolve));
  }
}

const envelope = {
  from: 'xt1@panel.local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
/** 200 KB of text after the alarm line: the size at which the leak held 191 MB after 1,000 mails. */
const filler = `${'Protokoll '.repeat(19)}\r\n`.repeat(1024);
const largeMail = (sequence: number) =>
  Buffer.from(`From: xt1@panel.local\r\nSubject: Alarm ${sequence}\r\n\r\nZone:1 Terrasse ${sequence}, Innenbereich Alarm\r\n${filler}`);

describe('Processor memory', () => {
  let dataDir: string;
  let spool: JournalSpool;
  const parser = new IsolatedParser();
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-memory-'));
    spool = new JournalSpool(dataDir);
    await spool.open();
  });
  after(async () => {
    await parser.close();
    await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds nothing of a delivered mail: the heap returns to its baseline after 120 mails of 200 KB', async (t) => {
    const log = pino({ level: 'silent' });
    const outputs = [new CountingOutput(), new CountingOutput()];
    const alarmState = new AlarmStateStore(join(dataDir, 'state.json'));
    await alarmState.load();
    const worker = new Processor({
      spool,
      kinds: buildRecordKinds({ parser, profiles: buildProfiles([]), routes: { alarm: ['alarm'], status: ['status'] } }),
      deliveries: outputs.map(
        (output, index) => new Delivery(output, log, { window: index === 0 ? 100 : 1, minRetryMs: 10, maxRetryMs: 100 }),
      ),
      alarmState,
      log,
    });
    await worker.start();
    let sent = 0;
    /** Through the spool as the intake hands them over: committed, then enqueued with the record in memory. */
    const feed = async (count: number) => {
      for (let index = 0; index < count; index++) {
        const draft = await spool.write(mailRecord(envelope, Readable.from([largeMail(sent++)]), 1024 * 1024));
        const { id, record } = await draft.commit();
        worker.enqueue(id, record);
      }
      await Promise.all(outputs.map((output) => output.until(sent)));
      // Retiring runs after the last delivery; wait for the spool to be empty (a condition, not a time).
      while ((await spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      await feed(10); // warm-up: code compiled, parser thread started, pools filled
      const baseline = await heapAfterGc();
      await feed(120);
      const grown = (await heapAfterGc()) - baseline;
      t.diagnostic(
        `heap after GC: ${(baseline / 1e6).toFixed(1)} MB before, grown by ${(grown / 1e6).toFixed(1)} MB after 120 mails of ${(largeMail(0).length / 1024).toFixed(0)} KB`,
      );
      // 120 mails of 200 KB held would be 24 MB or more; 4 MB leaves room for the allocator's own noise.
      assert.ok(grown < 4e6, `the heap grew by ${(grown / 1e6).toFixed(1)} MB and stayed there`);
    } finally {
      await worker.stop();
    }
  });
});
