// A replay after a crash gives a mail's event only to the outputs that did not have it yet: the record of who has
// it survives the process, so Home Assistant's event entity does not fire twice for one mail.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { AlarmEvent } from '../../src/core/event.js';
import { IsolatedParser } from '../../src/mail/isolated-parser.js';
import type { Output } from '../../src/outputs/output.js';
import { AlarmStateStore } from '../../src/pipeline/alarm-state.js';
import { Delivery } from '../../src/pipeline/delivery.js';
import { MailWorker } from '../../src/pipeline/mail-worker.js';
import { buildProfiles } from '../../src/sources/registry.js';
import { MailSpool } from '../../src/spool/mail-spool.js';

/** Delivers at once, or, when `stalled`, never until stopped (a broker that is down). */
class RecordingOutput implements Output {
  readonly name: string;
  readonly delivered: string[] = [];
  readonly #stalled: boolean;
  #stop: () => void = () => undefined;
  #reached: (() => void) | undefined;

  constructor(name: string, { stalled = false } = {}) {
    this.name = name;
    this.#stalled = stalled;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.#stop();
  }

  async deliver(event: AlarmEvent): Promise<void> {
    if (this.#stalled) return new Promise((_, reject) => (this.#stop = () => reject(new Error('stopped'))));
    this.delivered.push(event.id);
    this.#reached?.();
  }

  delivery(): Promise<void> {
    return this.delivered.length > 0 ? Promise.resolve() : new Promise((resolve) => (this.#reached = resolve));
  }
}

const envelope = { from: 'xt1@panel.local', recipients: ['alarm@bridge.local'], receivedAt: '2026-11-21T18:03:12.345Z', remoteAddress: '127.0.0.1' };
const log = pino({ level: 'silent' });

describe('MailWorker replay', () => {
  let dataDir: string;
  const parser = new IsolatedParser();
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-replay-'))));
  after(async () => {
    await parser.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function run(outputs: RecordingOutput[]) {
    const spool = new MailSpool(dataDir);
    await spool.open();
    const alarmState = new AlarmStateStore(join(dataDir, 'state.json'));
    await alarmState.load();
    const worker = new MailWorker({
      spool,
      parser,
      deliveries: outputs.map((output) => new Delivery(output, log, { window: 1, minRetryMs: 10, maxRetryMs: 100 })),
      alarmState,
      profiles: buildProfiles([]),
      routes: { alarm: ['alarm'], status: ['status'] },
      log,
    });
    await worker.start();
    return { spool, worker };
  }

  it('gives the event after a restart only to the output that did not have it, and then retires the mail', async () => {
    const mqtt = new RecordingOutput('mqtt');
    const first = await run([mqtt, new RecordingOutput('sms', { stalled: true })]);
    const draft = await first.spool.write(envelope, Readable.from([Buffer.from('Subject: XT1\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n')]), 1024);
    const { id, entry } = await draft.commit();
    first.worker.enqueue(id, entry);
    await mqtt.delivery();
    // What a crash leaves, as far as the spool goes: the mail pending, one output done, the other not.
    await first.worker.stop();
    await first.spool.close();

    const mqttAgain = new RecordingOutput('mqtt');
    const sms = new RecordingOutput('sms');
    const second = await run([mqttAgain, sms]);
    try {
      await sms.delivery();
      assert.deepEqual(sms.delivered, [id]);
      while ((await second.spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(mqttAgain.delivered, [], 'MQTT had the event before the crash: not published again');
    } finally {
      await second.worker.stop();
      await second.spool.close();
    }
  });

  it('retires a replayed mail that every output had, without delivering it again', async () => {
    const spool = new MailSpool(dataDir);
    await spool.open();
    const draft = await spool.write(envelope, Readable.from([Buffer.from('Subject: XT1\r\n\r\nZone:2 Flur, Innenbereich Alarm\r\n')]), 1024);
    const { id } = await draft.commit();
    // Both outputs had it; the process died before the mail's file was removed.
    spool.recordDelivery(id, 'mqtt');
    spool.recordDelivery(id, 'sms');
    await spool.close();

    const outputs = [new RecordingOutput('mqtt'), new RecordingOutput('sms')];
    const replay = await run(outputs);
    try {
      while ((await replay.spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(outputs.map((output) => output.delivered), [[], []]);
    } finally {
      await replay.worker.stop();
      await replay.spool.close();
    }
  });
});
