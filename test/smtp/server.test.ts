// The intake's connection timers on a clock the test moves (and its once-a-second sweep on mocked timers), so the
// 10 s a client has to say HELO/EHLO is checked without waiting 10 s.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Bus, type BusEvents } from '../../src/core/bus.js';
import { parseNetworks } from '../../src/core/networks.js';
import { createLogger } from '../../src/log.js';
import { type IntakeOptions, startIntake } from '../../src/smtp/server.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { RawSmtpClient } from '../helpers/smtp-client.js';

const options: IntakeOptions = {
  host: '127.0.0.1',
  port: 0,
  maxMessageBytes: 1024 * 1024,
  auth: 'accept_any',
  users: [],
  allowInsecureAuth: false,
  allowedNetworks: parseNetworks(['127.0.0.0/8']),
  acceptRecipient: () => true,
  alarmRecipient: () => true,
  maxClients: 50,
  maxClientsPerAddress: 10,
  maxRecipients: 10,
  idleTimeoutMs: 30_000,
  sessionTimeoutMs: 600_000,
  tls: { mode: 'off', minVersion: 'TLSv1.2' },
};

describe('SMTP intake timers', () => {
  let dataDir: string;
  let spool: JournalSpool;
  const log = createLogger({ level: 'error', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-intake-'));
    spool = new JournalSpool(dataDir);
    await spool.open();
  });
  after(async () => {
    await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('tells the bus it listens, at the bound address a client reaches, and that it closed once it no longer does', async () => {
    const bus = new Bus((_name, error) => assert.fail(String(error)));
    const seen: BusEvents['intake'][] = [];
    bus.on('intake', (intake) => seen.push(intake));
    const intake = await startIntake(options, { spool, log, onAccepted: () => undefined, bus });
    try {
      assert.deepEqual(seen, [{ input: 'smtp', listening: true, address: `127.0.0.1:${intake.port}` }]);
      const client = await RawSmtpClient.connect(Number(seen[0]?.address?.split(':')[1]));
      assert.match(client.banner, /^220 /);
      assert.match(await client.command('QUIT'), /^221 /);
      await client.closed;
    } finally {
      await intake.close();
    }
    assert.deepEqual(seen.slice(1), [{ input: 'smtp', listening: false }]);
    const refused = await new Promise<string>((resolve) =>
      connect(intake.port, '127.0.0.1')
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''))
        .on('connect', () => resolve('connected')),
    );
    assert.equal(refused, 'ECONNREFUSED');
  });

  it('greets at once: a client that speaks before the greeting is served, not told it talks too soon', async () => {
    const intake = await startIntake(options, { spool, log, onAccepted: () => undefined });
    try {
      const socket = connect(intake.port, '127.0.0.1');
      // smtp-server's own delay would answer this EHLO, sent with the connect, "421 You talk too soon".
      socket.write('EHLO panel.local\r\n');
      let received = '';
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          if (/^250 /m.test(received) || /^421 /m.test(received)) resolve();
        });
        socket.on('error', reject);
      });
      socket.destroy();
      assert.match(received, /^220 /);
      assert.match(received, /^250 /m);
    } finally {
      await intake.close();
    }
  });

  it("holds a status mail's RCPT TO until the processor has room, never an alarm's, then goes on with the mail", async () => {
    let giveRoom: () => void = () => undefined;
    const room = new Promise<void>((resolve) => (giveRoom = resolve));
    let asked: () => void = () => undefined;
    const roomAsked = new Promise<void>((resolve) => (asked = resolve));
    const intake = await startIntake(
      { ...options, alarmRecipient: (address) => address.startsWith('alarm@') },
      {
        spool,
        log,
        onAccepted: () => undefined,
        room: () => {
          asked();
          return room;
        },
      },
    );
    try {
      const alarm = await RawSmtpClient.connect(intake.port);
      assert.match(await alarm.command('EHLO panel.local'), /^250/);
      assert.match(await alarm.command('MAIL FROM:<xt1@panel.local>'), /^250/);
      assert.match(await alarm.command('RCPT TO:<alarm@bridge.local>'), /^250/, 'an alarm recipient does not wait');
      assert.match(await alarm.command('QUIT'), /^221 /);

      const status = await RawSmtpClient.connect(intake.port);
      assert.match(await status.command('EHLO panel.local'), /^250/);
      assert.match(await status.command('MAIL FROM:<xt1@panel.local>'), /^250/);
      let answered = false;
      const rcpt = status.command('RCPT TO:<status@bridge.local>').then((reply) => {
        answered = true;
        return reply;
      });
      await roomAsked;
      // A reply would be on its way at once; a tenth of a second is plenty for loopback to bring it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(answered, false, 'no reply to RCPT TO while the processor has no room');
      giveRoom();
      assert.match(await rcpt, /^250/);
      assert.match(await status.command('QUIT'), /^221 /);
    } finally {
      await intake.close();
    }
  });

  it('closes a connection that says no HELO/EHLO within 10 s, long before idle_timeout; one that said EHLO stays', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let now = 0;
    const intake = await startIntake({ ...options, now: () => now }, { spool, log, onAccepted: () => undefined });
    const silent = await RawSmtpClient.connect(intake.port);
    const greeted = await RawSmtpClient.connect(intake.port);
    try {
      assert.match(await greeted.command('EHLO panel.local'), /^250 /m);
      now = 9_999;
      t.mock.timers.tick(1000); // the sweep
      // A round trip after the sweep: a 421 it sent the silent client would be in by now.
      assert.match(await greeted.command('NOOP'), /^250 /);
      assert.match(silent.lastReply, /^220 /, 'no 421 yet, 1 ms before the 10 s');
      now = 10_000;
      t.mock.timers.tick(1000);
      assert.match(await greeted.command('NOOP'), /^250 /, 'the greeted connection stays open');
      assert.match(silent.lastReply, /^421 .*No HELO\/EHLO in time/);
      await silent.closed;
    } finally {
      silent.destroy();
      greeted.destroy();
      await intake.close();
    }
  });

  it('when the slots are full, a RSET, MAIL FROM, RCPT loop gives way, not a relay whose next mail follows a completed one', async () => {
    let now = 0;
    const intake = await startIntake({ ...options, maxClients: 2, now: () => now }, { spool, log, onAccepted: () => undefined });
    const relay = await RawSmtpClient.connect(intake.port, '127.0.0.2');
    const loop = await RawSmtpClient.connect(intake.port, '127.0.0.3');
    let newcomer: RawSmtpClient | undefined;
    const startMail = async (client: RawSmtpClient) => {
      for (const line of ['MAIL FROM:<xt1@panel.local>', 'RCPT TO:<alarm@bridge.local>']) assert.match(await client.command(line), /^250 /);
    };
    try {
      for (const client of [relay, loop]) assert.match(await client.command('EHLO panel.local'), /^250 /m);
      await startMail(relay);
      assert.match(await relay.command('DATA'), /^354 /);
      assert.match(await relay.command('Subject: first\r\n\r\nZone:1 Alarm\r\n.'), /^250 /);
      now = 500;
      await startMail(loop);
      now = 1500;
      await startMail(relay); // its second mail: steps count again after the first one completed
      await loop.command('RSET');
      await startMail(loop); // no step towards a mail: its first MAIL FROM and RCPT were 1 s ago
      now = 3000;
      newcomer = await RawSmtpClient.connect(intake.port, '127.0.0.4');
      assert.match(newcomer.banner, /^220 /);
      await loop.closed;
      assert.match(loop.lastReply, /^421 .*make room/, 'the loop, 2.5 s without progress, gave way');
      assert.match(await relay.command('DATA'), /^354 /);
      assert.match(
        await relay.command('Subject: second\r\n\r\nZone:1 Alarm\r\n.'),
        /^250 /,
        'the relay, 1.5 s since its last step, kept its slot',
      );
    } finally {
      for (const client of [relay, loop, newcomer]) client?.destroy();
      await intake.close();
    }
  });
});
