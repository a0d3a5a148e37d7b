// Events raised before the processor starts (a feature raising in its own start) are in the spool and in the queue:
// each goes out once, and every record in id order, also behind one a previous run left.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { AlarmEvent } from '../../src/core/event.js';
import type { Output } from '../../src/outputs/output.js';
import { AlarmStateStore } from '../../src/pipeline/alarm-state.js';
import { Delivery } from '../../src/pipeline/delivery.js';
import { raisedKind } from '../../src/pipeline/kinds/raised.js';
import { Processor } from '../../src/pipeline/processor.js';
import { raiser } from '../../src/pipeline/raise.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';

class RecordingOutput implements Output {
  readonly name = 'recording';
  readonly delivered: string[] = [];
  #expected = 0;
  #reached: () => void = () => undefined;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async deliver(event: AlarmEvent): Promise<void> {
    this.delivered.push(event.id);
    if (this.delivered.length >= this.#expected) this.#reached();
  }
  until(count: number): Promise<void> {
    this.#expected = count;
    return this.delivered.length >= count ? Promise.resolve() : new Promise((resolve) => (this.#reached = resolve));
  }
}

describe('Processor start', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-processor-start-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('delivers what was raised before the start once each, in id order behind a record a previous run left', async () => {
    const spool = new JournalSpool(dir);
    await spool.open();
    const log = pino({ level: 'silent' });
    const alarmState = new AlarmStateStore(join(dir, 'state.json'));
    await alarmState.load();
    const output = new RecordingOutput();
    const processor = new Processor({
      spool,
      kinds: new Map([['raised', raisedKind()]]),
      deliveries: [new Delivery(output, log, { window: 1, minRetryMs: 10, maxRetryMs: 100 })],
      alarmState,
      log,
    });
    const draft = (text: string) => ({ source: 'test', category: 'trouble' as const, type: 'test_trouble', text });
    // Left by a previous run: in the spool, never handed to this processor.
    const ids = [await raiser({ spool, onStored: () => undefined })(draft('from before'))];
    const raise = raiser({ spool, onStored: (id, record) => processor.enqueue(id, record) });
    for (let index = 0; index < 4; index++) ids.push(await raise(draft(`raised at start ${index}`)));
    await processor.start();
    try {
      await output.until(ids.length);
      // A fence: a record after them all; anything delivered twice would come before it.
      const last = await raise(draft('after the start'));
      await output.until(ids.length + 1);
      assert.deepEqual(output.delivered, [...ids, last]);
    } finally {
      await processor.stop();
      await spool.close();
    }
  });
});
