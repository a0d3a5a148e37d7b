// Who may use the intake, attacked over TCP: networks, AUTH modes, recipients, limits, TLS, idle floods.
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { greet, RawSmtpClient, replyCode, sendMail } from '../helpers/smtp-client.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const alarm = { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' };

/** A new mail transaction that never reaches DATA (RSET, MAIL FROM, RCPT), pipelined as one write: an attacker's loop. */
function restartTransaction(client: RawSmtpClient): void {
  client.write(`RSET\r\nMAIL FROM:<xt1@panel.local>\r\nRCPT TO:<${alarm.to}>\r\n`);
}

describe('SMTP access control', () => {
  let broker: Mosquitto;
  const bridges: TestBridge[] = [];

  before(async () => (broker = await Mosquitto.start()));
  after(() => cleanUp(...bridges.map((bridge) => () => bridge.stop()), () => broker.stop()));

  async function bridgeWith(smtp: Record<string, unknown>, sms: Record<string, unknown> = {}): Promise<TestBridge> {
    const bridge = await startTestBridge({ mqttUrl: broker.url, smtp, sms });
    bridges.push(bridge);
    return bridge;
  }

  /** A raw client that has said EHLO and MAIL FROM, and RCPT TO when `recipient`: a mail transaction under way. */
  async function inTransaction(port: number, localAddress?: string, recipient?: string): Promise<RawSmtpClient> {
    const client = await RawSmtpClient.connect(port, localAddress);
    await client.command('EHLO panel.local');
    assert.match(await client.command('MAIL FROM:<xt1@panel.local>'), /^250 /);
    if (recipient) assert.match(await client.command(`RCPT TO:<${recipient}>`), /^250 /);
    return client;
  }

  /**
   * 50 connections (max_clients) from 127.0.0.2-6, 10 each (max_clients_per_address), each in a mail transaction
   * that `stall` then keeps alive without moving it; then the panel's mail, past the 2 s a transaction may stall.
   */
  async function panelAfterStalledTransactions(port: number, stall: (client: RawSmtpClient) => Promise<NodeJS.Timeout>) {
    const attackers: RawSmtpClient[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      await Promise.all(
        Array.from({ length: 50 }, async (_, n) => {
          const client = await inTransaction(port, `127.0.0.${2 + Math.floor(n / 10)}`, alarm.to);
          attackers.push(client);
          timers.push(await stall(client));
        }),
      );
      await delay(2500);
      const started = performance.now();
      const { response } = await sendMail(port, alarm);
      const panelMs = Math.round(performance.now() - started);
      const madeRoom = attackers.filter((client) => /^421 .*make room/.test(client.lastReply)).length;
      return { response, panelMs, madeRoom };
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const client of attackers) client.destroy();
    }
  }

  it('by default accepts any credentials without TLS, and no STARTTLS is offered without a certificate', async () => {
    const { bridge } = await bridgeWith({});
    const { capabilities } = await greet(bridge.smtpPort);
    assert.ok(
      capabilities.some((line) => line.startsWith('AUTH ')),
      'AUTH offered',
    );
    assert.ok(!capabilities.includes('STARTTLS'), 'no STARTTLS with the built-in key');
    assert.match((await sendMail(bridge.smtpPort, alarm, { auth: { user: 'xt1', pass: 'anything' } })).response, /^250 /);
    assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
  });

  it('offers no AUTH with auth: off', async () => {
    const { bridge } = await bridgeWith({ auth: 'off' });
    assert.ok(!(await greet(bridge.smtpPort)).capabilities.some((line) => line.startsWith('AUTH')));
  });

  it('with auth: required, refuses wrong credentials (535) and mail without AUTH (530)', async () => {
    const { bridge } = await bridgeWith({ auth: 'required', users: [{ username: 'xt1', password: 's3cret' }], allow_insecure_auth: true });
    await assert.rejects(sendMail(bridge.smtpPort, alarm, { auth: { user: 'xt1', pass: 'wrong' } }), (error) => replyCode(error) === 535);
    await assert.rejects(sendMail(bridge.smtpPort, alarm), (error) => replyCode(error) === 530);
    assert.match((await sendMail(bridge.smtpPort, alarm, { auth: { user: 'xt1', pass: 's3cret' } })).response, /^250 /);
  });

  it('with auth: required, drops a client after 10 commands without AUTH (421)', async () => {
    const { bridge } = await bridgeWith({ auth: 'required', users: [{ username: 'xt1', password: 's3cret' }], allow_insecure_auth: true });
    const socket = createConnection({ port: bridge.smtpPort, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    let transcript = '';
    socket.on('data', (chunk: Buffer) => (transcript += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((resolve) => socket.once('data', resolve)); // the greeting: early talkers are dropped
    socket.write(`EHLO prober\r\n${'NOOP\r\n'.repeat(20)}`);
    await closed;
    const replies = transcript.split('\r\n').filter((line) => /^\d{3} /.test(line));
    assert.equal(replies.filter((line) => line.startsWith('250 ')).length, 9, 'EHLO and 8 NOOPs are answered');
    assert.match(replies.at(-1) ?? '', /^421 .*too many unauthenticated commands/);
  });

  it('refuses recipients that mean nothing (550) and too many recipients (452); takes phone numbers also in SMS dry-run', async () => {
    const { bridge } = await bridgeWith({ max_recipients: 2 });
    await assert.rejects(sendMail(bridge.smtpPort, { ...alarm, to: 'someone@gmail.com' }), (error) => replyCode(error) === 550);
    await assert.rejects(
      sendMail(bridge.smtpPort, { ...alarm, to: '+999123456789@sms.local' }),
      (error) => replyCode(error) === 550,
      'no valid number',
    );
    assert.match((await sendMail(bridge.smtpPort, { ...alarm, to: '+4915112345678@sms.local' })).response, /^250 /);
    const { rejectedCodes } = await sendMail(bridge.smtpPort, { ...alarm, to: ['alarm@a', 'status@b', 'alarm@c'] });
    assert.deepEqual(rejectedCodes, [452]);
  });

  it('refuses a connection from outside allowed_networks with 554, and logs it once per address', async () => {
    const test = await bridgeWith({ allowed_networks: ['10.0.0.0/8'] });
    for (let attempt = 0; attempt < 5; attempt++) assert.match((await greet(test.bridge.smtpPort)).banner, /^554 /);
    assert.equal(test.logs.filter((line) => String(line.msg).startsWith('connection refused')).length, 1);
  });

  it('speaks STARTTLS and implicit TLS with a certificate of its own', async () => {
    const { cert, key } = await selfSignedCertificate();
    const starttls = await bridgeWith({ tls: { mode: 'starttls', cert, key } });
    assert.ok((await greet(starttls.bridge.smtpPort)).capabilities.includes('STARTTLS'));
    assert.match((await sendMail(starttls.bridge.smtpPort, alarm, { requireTLS: true })).response, /^250 /);
    const implicit = await bridgeWith({ tls: { mode: 'implicit', cert, key } });
    assert.match((await sendMail(implicit.bridge.smtpPort, alarm, { secure: true })).response, /^250 /);
  });

  it('closes silent clients after idle_timeout and every client after session_timeout', async () => {
    const { bridge } = await bridgeWith({ idle_timeout: 1, session_timeout: 2 });
    const silent = await inTransaction(bridge.smtpPort);
    const chatty = await inTransaction(bridge.smtpPort);
    const keepTalking = setInterval(() => chatty.write('NOOP\r\n'), 200);
    try {
      await silent.closed;
      assert.match(silent.lastReply, /^421 .*Timeout/, 'idle_timeout');
      await chatty.closed;
      assert.match(chatty.lastReply, /^250 /, 'session_timeout drops it without a reply, although it never fell silent');
    } finally {
      clearInterval(keepTalking);
    }
    assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
  });

  it('421 while every slot holds a mail that moved just now; under stress a mail transaction that only NOOPs is cut', async () => {
    const { bridge } = await bridgeWith({ idle_timeout: 2, session_timeout: 8, max_clients: 2 });
    const clients = [await inTransaction(bridge.smtpPort), await inTransaction(bridge.smtpPort)];
    const noops = clients.map((client) => setInterval(() => client.write('NOOP\r\n'), 200));
    try {
      assert.match((await greet(bridge.smtpPort)).banner, /^421 /, 'a mail under way that moves is never pushed out');
      await clients[0]!.closed;
      assert.match(
        clients[0]!.lastReply,
        /^421 .*Idle while connections run short/,
        'cut after 2 s without progress, not at session_timeout',
      );
      assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
    } finally {
      for (const timer of noops) clearInterval(timer);
      for (const client of clients) client.destroy();
    }
  });

  it('takes the panel’s mail within 2 s while 50 connections from five addresses hold stalled mail transactions and NOOP', async (t) => {
    const { bridge } = await bridgeWith({}); // max_clients 50, max_clients_per_address 10, session_timeout 600 s
    const { response, panelMs, madeRoom } = await panelAfterStalledTransactions(bridge.smtpPort, async (client) =>
      setInterval(() => client.write('NOOP\r\n'), 500),
    );
    assert.match(response, /^250 /);
    assert.ok(panelMs < 2000, `the panel's mail took ${panelMs} ms`);
    assert.ok(madeRoom >= 1, 'a stalled transaction gave way');
    t.diagnostic(
      `stalled transactions (EHLO, MAIL, RCPT, then NOOPs): the panel got 250 in ${panelMs} ms; ${madeRoom} closed to make room`,
    );
  });

  it('takes the panel’s mail within 2 s while 50 connections from five addresses drip DATA at 1 byte/s', async (t) => {
    const { bridge } = await bridgeWith({});
    const { response, panelMs, madeRoom } = await panelAfterStalledTransactions(bridge.smtpPort, async (client) => {
      assert.match(await client.command('DATA'), /^354 /);
      return setInterval(() => client.write('x'), 1000);
    });
    assert.match(response, /^250 /);
    assert.ok(panelMs < 2000, `the panel's mail took ${panelMs} ms`);
    assert.ok(madeRoom >= 1, 'a dripping transaction gave way');
    t.diagnostic(`DATA dripped at 1 byte/s: the panel got 250 in ${panelMs} ms; ${madeRoom} closed to make room`);
  });

  it('takes the panel’s mail within 2 s while two hosts hold both slots with RSET, MAIL FROM, RCPT once a second', async (t) => {
    const { bridge } = await bridgeWith({ max_clients: 2 });
    const attackers = [
      await inTransaction(bridge.smtpPort, '127.0.0.2', alarm.to),
      await inTransaction(bridge.smtpPort, '127.0.0.3', alarm.to),
    ];
    const loops = attackers.map((client) => setInterval(() => restartTransaction(client), 1000));
    try {
      await delay(3000);
      const started = performance.now();
      const { response } = await sendMail(bridge.smtpPort, alarm);
      const panelMs = Math.round(performance.now() - started);
      assert.match(response, /^250 /, 'a new MAIL FROM after RSET is no step towards a mail');
      assert.ok(panelMs < 2000, `the panel's mail took ${panelMs} ms`);
      const madeRoom = attackers.filter((client) => /^421 .*make room/.test(client.lastReply)).length;
      assert.equal(madeRoom, 1, 'one looping transaction gave way');
      t.diagnostic(`RSET/MAIL/RCPT loop on both slots (max_clients 2): the panel got 250 in ${panelMs} ms`);
    } finally {
      for (const timer of loops) clearInterval(timer);
      for (const client of attackers) client.destroy();
    }
  });

  it('takes the panel’s mail within 2 s while 50 connections from five addresses loop RSET, MAIL FROM, RCPT once a second', async (t) => {
    const { bridge } = await bridgeWith({});
    const { response, panelMs, madeRoom } = await panelAfterStalledTransactions(bridge.smtpPort, async (client) =>
      setInterval(() => restartTransaction(client), 1000),
    );
    assert.match(response, /^250 /);
    assert.ok(panelMs < 2000, `the panel's mail took ${panelMs} ms`);
    assert.ok(madeRoom >= 1, 'a looping transaction gave way');
    t.diagnostic(`RSET/MAIL/RCPT loop on 50 connections: the panel got 250 in ${panelMs} ms; ${madeRoom} closed to make room`);
  });

  it('takes the panel’s mail within 2 s while 50 connections from five addresses send DATA at 500 bytes/s', async (t) => {
    const { bridge } = await bridgeWith({});
    const { response, panelMs, madeRoom } = await panelAfterStalledTransactions(bridge.smtpPort, async (client) => {
      assert.match(await client.command('DATA'), /^354 /);
      return setInterval(() => client.write('x'.repeat(250)), 500); // Postfix's smtpd_min_data_rate, the old minimum
    });
    assert.match(response, /^250 /);
    assert.ok(panelMs < 2000, `the panel's mail took ${panelMs} ms`);
    assert.ok(madeRoom >= 1, 'a transaction sending 500 bytes/s gave way');
    t.diagnostic(
      `DATA at 500 bytes/s on 50 connections (25 KB/s in all): the panel got 250 in ${panelMs} ms; ${madeRoom} closed to make room`,
    );
  });

  it('takes the panel’s mail while 60 silent and NOOP-ing connections from six addresses hold every slot', async (t) => {
    const { bridge } = await bridgeWith({}); // max_clients 50, max_clients_per_address 10
    const flood: RawSmtpClient[] = [];
    const noops: NodeJS.Timeout[] = [];
    try {
      await Promise.all(
        Array.from({ length: 60 }, async (_, n) => {
          const client = await RawSmtpClient.connect(bridge.smtpPort, `127.0.0.${2 + Math.floor(n / 10)}`);
          flood.push(client);
          if (n % 2 === 1) {
            client.write('EHLO prober\r\n');
            noops.push(setInterval(() => client.write('NOOP\r\n'), 100));
          }
        }),
      );
      assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
      assert.ok(
        flood.every((client) => client.banner.startsWith('220')),
        'every flood connection got a slot, the oldest gave way',
      );
      const madeRoom = flood.filter((client) => /^421 .*make room/.test(client.lastReply)).length;
      assert.ok(madeRoom >= 11, `${madeRoom} idle connections closed to make room`);
      t.diagnostic(`slot flood: 60 idle/NOOP connections from 127.0.0.2-7, ${madeRoom} closed to make room; the panel got 250`);
    } finally {
      for (const timer of noops) clearInterval(timer);
      for (const client of flood) client.destroy();
    }
  });

  it('while the slots run short, cuts the connection that has only NOOPed longest, not after session_timeout', async () => {
    const { bridge } = await bridgeWith({ idle_timeout: 1, session_timeout: 600, max_clients: 2 });
    const first = await RawSmtpClient.connect(bridge.smtpPort);
    await first.command('EHLO first.local');
    const second = await RawSmtpClient.connect(bridge.smtpPort);
    await second.command('EHLO second.local');
    const noops = [first, second].map((client) => setInterval(() => client.write('NOOP\r\n'), 200));
    try {
      await first.closed;
      assert.match(first.lastReply, /^421 .*Idle while connections run short/);
      assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
    } finally {
      for (const timer of noops) clearInterval(timer);
      first.destroy();
      second.destroy();
    }
  });

  it('keeps serving a real client while 1,000 connections from elsewhere sit idle', async (t) => {
    const { bridge } = await bridgeWith({ max_clients_per_address: 10, max_clients: 100 });
    const idle: Socket[] = [];
    let refused = 0;
    await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const socket = createConnection({ port: bridge.smtpPort, host: '127.0.0.1', localAddress: '127.0.0.2' });
        socket.on('error', () => undefined);
        idle.push(socket);
        const first = await new Promise<string>((resolve) => {
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
          socket.once('close', () => resolve(''));
        });
        if (!first.startsWith('220')) refused += 1;
      }),
    );
    try {
      assert.match((await sendMail(bridge.smtpPort, alarm)).response, /^250 /);
      assert.ok(refused >= 990, `${refused} of 1000 refused`);
      t.diagnostic(`idle flood: 1000 connections from 127.0.0.2, ${1000 - refused} admitted, ${refused} refused; the real client got 250`);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });
});
