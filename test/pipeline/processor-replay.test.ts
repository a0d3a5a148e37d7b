// A replay after a crash gives a mail's event only to the outputs that did not have it yet: the record of who has
// it survives the process, so Home Assistant's event entity does not fire twice for one mail.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
import { buildRecordKinds } from '../../src/pipeline/kinds/index.js';
import { Processor } from '../../src/pipeline/processor.js';
import { mailRecord } from '../../src/smtp/mail-record.js';
import { buildProfiles } from '../../src/sources/registry.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';

/** Delivers at once, or, when `stalled`, never until stopped (a broker that is down). */
class RecordingOutput implements Output {
  readonly name: string;
  readonly delivered: string[] = [];
  readonly events: AlarmEvent[] = [];
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
    this.events.push(event);
    this.#reached?.();
  }

  delivery(): Promise<void> {
    return this.delivered.length > 0 ? Promise.resolve() : new Promise((resolve) => (this.#reached = resolve));
  }
}

const envelope = {
  from: 'xt1@panel.local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const log = pino({ level: 'silent' });

describe('Processor replay', () => {
  let dataDir: string;
  const parser = new IsolatedParser();
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-replay-'))));
  after(async () => {
    await parser.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function run(outputs: RecordingOutput[], folder = dataDir) {
    const spool = new JournalSpool(folder);
    await spool.open();
    const alarmState = new AlarmStateStore(join(folder, 'state.json'));
    await alarmState.load();
    const worker = new Processor({
      spool,
      kinds: buildRecordKinds({ parser, profiles: buildProfiles([]), routes: { alarm: ['alarm'], status: ['status'] } }),
      deliveries: outputs.map((output) => new Delivery(output, log, { window: 1, minRetryMs: 10, maxRetryMs: 100 })),
      alarmState,
      log,
    });
    await worker.start();
    return { spool, worker };
  }

  it('gives the event after a restart only to the output that did not have it, and then retires the mail', async () => {
    const mqtt = new RecordingOutput('mqtt');
    const first = await run([mqtt, new RecordingOutput('sms', { stalled: true })]);
    const draft = await first.spool.write(
      mailRecord(envelope, Readable.from([Buffer.from('Subject: XT1\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n')]), 1024),
    );
    const { id, record } = await draft.commit();
    first.worker.enqueue(id, record);
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
    const spool = new JournalSpool(dataDir);
    await spool.open();
    const draft = await spool.write(
      mailRecord(envelope, Readable.from([Buffer.from('Subject: XT1\r\n\r\nZone:2 Flur, Innenbereich Alarm\r\n')]), 1024),
    );
    const { id } = await draft.commit();
    // Both outputs had it; the process died before the mail's file was removed.
    spool.recordDelivery(id, 'mqtt');
    spool.recordDelivery(id, 'sms');
    await spool.close();

    const outputs = [new RecordingOutput('mqtt'), new RecordingOutput('sms')];
    const replay = await run(outputs);
    try {
      while ((await replay.spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(
        outputs.map((output) => output.delivered),
        [[], []],
      );
    } finally {
      await replay.worker.stop();
      await replay.spool.close();
    }
  });

  it('takes over a data_dir of a version before record kinds: its pending mails and its delivery record', async () => {
    // Written as the version before kinds wrote them: the envelope line without `kind`, then the message.
    const oldDataDir = join(dataDir, 'before-kinds');
    const mails = join(oldDataDir, 'spool', 'mails');
    await mkdir(mails, { recursive: true });
    const ids = ['20261121T180312345Z-000000-0a0a0a0a', '20261121T180313000Z-000000-0b0b0b0b'];
    await writeFile(join(mails, `${ids[0]}.eml`), `${JSON.stringify(envelope)}\nSubject: XT1\r\n\r\nZone:3 Keller, Innenbereich Alarm\r\n`);
    await writeFile(
      join(mails, `${ids[1]}.eml`),
      `${JSON.stringify({ ...envelope, recipients: ['status@bridge.local'] })}\nSubject: XT1\r\n\r\nZone:4 Flur, DC Open\r\n`,
    );
    await writeFile(join(oldDataDir, 'spool', 'delivered.log'), `${ids[0]} mqtt\n`);

    const mqtt = new RecordingOutput('mqtt');
    const sms = new RecordingOutput('sms');
    const replay = await run([mqtt, sms], oldDataDir);
    try {
      while ((await replay.spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(sms.delivered, ids, 'both mails, with their ids, in order');
      assert.deepEqual(mqtt.delivered, [ids[1]], 'the delivery record of the old version is honoured');
      assert.deepEqual(
        sms.events.map(({ input, type, zone, from }) => ({ input, type, zone, from })),
        [
          { input: 'smtp', type: 'intrusion', zone: 3, from: envelope.from },
          { input: 'smtp', type: 'door_open', zone: 4, from: envelope.from },
        ],
      );
    } finally {
      await replay.worker.stop();
      await replay.spool.close();
    }
  });

  it('reports a record it cannot read (damaged header, unknown kind, bad raised draft) as unparsed and quarantines it, without retrying forever', async () => {
    const damagedDataDir = join(dataDir, 'damaged');
    const mails = join(damagedDataDir, 'spool', 'mails');
    await mkdir(mails, { recursive: true });
    const ids = [
      '20261121T180312345Z-000000-0c0c0c0c',
      '20261121T180312345Z-000001-0d0d0d0d',
      '20261121T180312345Z-000002-0e0e0e0e',
      '20261121T180312345Z-000003-0f0f0f0f',
    ];
    await writeFile(join(mails, `${ids[0]}.eml`), '{"from":"xt1@pan');
    await writeFile(join(mails, `${ids[1]}.eml`), '{"kind":"contact_id"}\n18 1 130 01 004');
    await writeFile(
      join(mails, `${ids[2]}.eml`),
      '{"kind":"raised","raisedAt":"2026-11-21T18:03:12.345Z"}\n{"source":"x","category":"panic"}',
    );
    await writeFile(
      join(mails, `${ids[3]}.eml`),
      `${JSON.stringify({ kind: 'mail', from: 'xt1@panel.local' })}\nSubject: XT1\r\n\r\nZone:3 Keller, Innenbereich Alarm\r\n`,
    );
    const output = new RecordingOutput('mqtt');
    const replay = await run([output], damagedDataDir);
    try {
      while ((await replay.spool.pending()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(
        output.events.map(({ id, input, category, type }) => ({ id, input, category, type })),
        [
          { id: ids[0], input: 'unknown', category: 'trouble', type: 'unparsed' },
          { id: ids[1], input: 'contact_id', category: 'trouble', type: 'unparsed' },
          { id: ids[2], input: 'raised', category: 'trouble', type: 'unparsed' },
          { id: ids[3], input: 'smtp', category: 'trouble', type: 'unparsed' },
        ],
      );
      while ((await readdir(join(damagedDataDir, 'quarantine'))).filter((name) => name.endsWith('.eml')).length < 4)
        await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await replay.worker.stop();
      await replay.spool.close();
    }
  });
});
