// The SMS module: built from its own config section, it reports its health on the bus and calls no other output.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Bus, type BusEvents } from '../../../src/core/bus.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import type { OutputContext } from '../../../src/outputs/module.js';
import { smsModule } from '../../../src/outputs/sms/module.js';
import { alarmEvent } from '../../helpers/alarm-event.js';

const alarm = alarmEvent();

describe('smsModule', () => {
  it('reports its problem flag and each final result as health on the bus (dry-run)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'amb-sms-module-'));
    const bus = new Bus((_name, error) => assert.fail(error as Error));
    const health: BusEvents['health'][] = [];
    const dryRun = new Promise<void>((resolve) =>
      bus.on('health', (reported) => {
        health.push(reported);
        if (reported.last?.result === 'dry_run') resolve();
      }),
    );
    const settings = smsModule.schema.parse({ recipients: ['0170 1234567'] });
    const context = {
      log: createLogger({ level: 'debug', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
      maskText: maskNumbersIn,
      bus,
      dataDir,
      now: Date.now,
    } as unknown as OutputContext;
    const { output } = await smsModule.create(settings, context);
    try {
      await output.start();
      await output.deliver(alarm);
      await dryRun;
      assert.deepEqual(health[0], { output: 'sms', problem: false, last: undefined });
      assert.deepEqual([health.at(-1)?.output, health.at(-1)?.problem, health.at(-1)?.last?.result], ['sms', false, 'dry_run']);
      assert.deepEqual(smsModule.health(settings), {
        last: { name: 'Last SMS result', icon: 'mdi:message-text', options: ['sent', 'dry_run', 'failed', 'suppressed'] },
      });
    } finally {
      await output.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('suppresses the SMS of events withdrawn on the bus, from the moment it is built until its stop', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'amb-sms-module-'));
    const bus = new Bus((_name, error) => assert.fail(error as Error));
    const messages: BusEvents['message'][] = [];
    bus.on('message', (message) => messages.push(message));
    const context = {
      log: createLogger({ level: 'debug', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
      maskText: maskNumbersIn,
      bus,
      dataDir,
      now: Date.now,
    } as unknown as OutputContext;
    const { output } = await smsModule.create(smsModule.schema.parse({ recipients: ['0170 1234567'] }), context);
    const escalation = alarmEvent({ text: 'Stufe 2' });
    try {
      bus.emit('withdraw', { eventIds: [escalation.id], reason: 'acknowledged' });
      await output.start();
      await output.deliver(escalation);
      while (!messages.some((message) => message.state === 'suppressed')) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await output.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    assert.deepEqual(
      messages.map((message) => [message.output, message.state, message.reason]),
      [
        ['sms', 'queued', undefined],
        ['sms', 'suppressed', 'acknowledged'],
      ],
    );
    assert.equal(bus.listenerCount('withdraw'), 0, 'unsubscribed at its stop');
  });
});
