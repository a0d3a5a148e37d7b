// The SMS module: built from its own config section, it reports its health on the bus and calls no other output;
// with Twilio it places the calls an event asks for and hears replies while an incident is open, without it it says
// once that calls are off.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Bus, type BusEvents } from '../../../src/core/bus.js';
import { maskNumbersIn } from '../../../src/core/mask.js';
import { createLogger } from '../../../src/log.js';
import type { OutputContext } from '../../../src/outputs/module.js';
import { smsModule } from '../../../src/outputs/sms/module.js';
import { alarmEvent } from '../../helpers/alarm-event.js';
import { FakeTwilio } from '../../helpers/fake-twilio.js';

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

  describe('calls and replies', () => {
    const twilio = new FakeTwilio();
    const ourNumber = '+15005550006';
    before(() => twilio.start());
    after(() => twilio.stop());

    async function build(sms: Record<string, unknown>) {
      const dataDir = await mkdtemp(join(tmpdir(), 'amb-sms-module-'));
      const bus = new Bus((_name, error) => assert.fail(error as Error));
      const logs: Record<string, unknown>[] = [];
      const facts: { message: BusEvents['message'][]; reply: BusEvents['reply'][]; backlog: BusEvents['backlog'][] } = {
        message: [],
        reply: [],
        backlog: [],
      };
      bus.on('message', (message) => facts.message.push(message));
      bus.on('reply', (reply) => facts.reply.push(reply));
      bus.on('backlog', (backlog) => facts.backlog.push(backlog));
      const log = createLogger({
        level: 'debug',
        destination: new Writable({
          write: (chunk: Buffer, _encoding, done) => {
            for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
            done();
          },
        }),
      });
      const context = { log, maskText: maskNumbersIn, bus, dataDir, now: Date.now } as unknown as OutputContext;
      const { output } = await smsModule.create(smsModule.schema.parse(sms), context);
      await output.start();
      const until = async (done: () => boolean) => {
        while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      return {
        bus,
        output,
        logs,
        facts,
        dataDir,
        until,
        stop: async () => {
          await output.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    }

    const withTwilio = () => ({
      provider: 'twilio',
      recipients: ['0170 1234567'],
      sender: ourNumber,
      api_url: twilio.url,
      twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
    });

    it('skips call targets without Twilio, and says so once', async () => {
      const built = await build({ recipients: ['0170 1234567'] });
      try {
        const receipt = await built.output.deliver(
          alarmEvent({ input: 'raised', text: 'Stufe 2', to: { sms: ['+4915199990001'], call: ['+4915199990001'] } }),
        );
        assert.deepEqual(receipt, { messages: 1 }, 'the SMS is sent all the same');
        await built.output.deliver(alarmEvent({ input: 'raised', text: 'Stufe 3', to: { call: ['+4915199990001'] } }));
        const said = built.logs.filter((line) => String(line.msg).startsWith('voice calls are off'));
        assert.deepEqual(
          said.map((line) => [line.level, line.msg]),
          [[40, 'voice calls are off (they need Twilio as sms.provider or sms.fallback_provider): call targets are skipped']],
        );
        assert.equal(built.facts.message.filter((message) => message.output === 'call').length, 0);
      } finally {
        await built.stop();
      }
    });

    it('with Twilio places the call an event asks for and tells it as output call; the receipt counts the SMS', async () => {
      const built = await build(withTwilio());
      try {
        const before = twilio.calls.length;
        const receipt = await built.output.deliver(
          alarmEvent({ input: 'raised', text: 'Stufe 2', details: { language: 'de' }, to: { call: ['+4915199990001'] } }),
        );
        assert.deepEqual(receipt, { messages: 0 });
        await built.until(() => built.facts.message.some((message) => message.output === 'call' && message.state === 'sent'));
        assert.deepEqual(
          built.facts.message.filter((message) => message.output === 'call').map((message) => [message.state, message.recipient]),
          [
            ['queued', '**********0001'],
            ['sent', '**********0001'],
          ],
        );
        assert.deepEqual(
          twilio.calls.slice(before).map((call) => [call.to, call.from, call.say[0]?.language]),
          [['+4915199990001', ourNumber, 'de-DE']],
        );
        assert.ok(built.facts.backlog.some((backlog) => backlog.queue === 'outbox/call'));
      } finally {
        await built.stop();
      }
    });

    it('hears a reply while an incident is open, with the events whose SMS went to that number, and stops looking after', async () => {
      const built = await build(withTwilio());
      try {
        const alarm = alarmEvent({ text: 'Einbruch' });
        const openedAt = new Date(Date.now() - 1000).toISOString();
        await built.output.deliver(alarm);
        await built.until(() => built.facts.message.some((message) => message.eventId === alarm.id && message.state === 'sent'));
        twilio.receive({ from: '+491701234567', to: ourNumber, body: '  Ok \n', dateSent: new Date() });
        built.bus.emit('incident', { id: 'incident-1', state: 'open', openedAt, eventIds: [alarm.id], level: 0 });
        await built.until(() => built.facts.reply.length > 0);
        assert.deepEqual(built.facts.reply, [
          { output: 'sms', from: '*********4567', text: 'Ok', time: built.facts.reply[0]?.time, eventIds: [alarm.id] },
        ]);
        const looks = () => twilio.requests.filter((request) => request.method === 'GET').length;
        built.bus.emit('incident', { id: 'incident-1', state: 'acknowledged', openedAt, eventIds: [alarm.id], level: 0 });
        const after = looks();
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(looks(), after, 'no incident open: no more looks');
      } finally {
        await built.stop();
      }
      assert.equal(built.bus.listenerCount('incident'), 0, 'unsubscribed at its stop');
    });
  });
});
