// The receiver on its own, with a real journal spool held at its commit: the ACK waits for the record to be durable and
// never comes for one that is not; who may connect is the allowed networks and the slots.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type ContactIdOptions, type ContactIdReceiver, startContactIdReceiver } from '../../src/contact-id/server.js';
import { parseNetworks } from '../../src/core/networks.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { type Spool, SpoolUnavailable } from '../../src/spool/spool.js';
import { capturedLogger } from '../helpers/captured-log.js';
import { cleanUp } from '../helpers/cleanup.js';
import { ContactIdClient, report } from '../helpers/contact-id-client.js';

describe('Contact ID receiver', () => {
  let dataDir: string;
  let spool: JournalSpool;
  let receiver: ContactIdReceiver | undefined;
  let logs: Record<string, unknown>[];
  const accepted: string[] = [];
  const clients: ContactIdClient[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-cid-'));
    spool = new JournalSpool(dataDir);
    await spool.open();
    logs = [];
    accepted.length = 0;
  });
  afterEach(() =>
    cleanUp(
      () => {
        for (const client of clients.splice(0)) client.close();
      },
      () => receiver?.close(),
      () => spool.close(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  async function start(store: Spool, options: Partial<ContactIdOptions> = {}): Promise<number> {
    const { log } = capturedLogger(logs);
    receiver = await startContactIdReceiver(
      {
        host: '127.0.0.1',
        port: 0,
        accounts: ['1234'],
        allowedNetworks: parseNetworks(['127.0.0.0/8']),
        maxClients: 10,
        maxClientsPerAddress: 10,
        idleTimeoutMs: 60_000,
        sessionTimeoutMs: 600_000,
        ...options,
      },
      { spool: store, log, onAccepted: (id) => accepted.push(id) },
    );
    return receiver.port;
  }

  const connect = async (port: number) => {
    const client = await ContactIdClient.connect(port);
    clients.push(client);
    return client;
  };

  it('ACKs a report only once its record is committed, and hands its id on', async () => {
    let commit = () => {};
    const held = new Promise<void>((resolve) => (commit = resolve));
    const holding: Spool = Object.assign(Object.create(spool) as JournalSpool, {
      write: async (record: Parameters<Spool['write']>[0]) => {
        const draft = await spool.write(record);
        return { ...draft, commit: () => held.then(() => draft.commit()) };
      },
    });
    const client = await connect(await start(holding));
    await client.write(report('1234', 1, '130', 1, 3));
    await delay(300); // a receiver that ACKs on receipt has ACKed by now
    assert.equal(client.acks, 0);
    assert.deepEqual(await spool.pending(), []);
    commit();
    await client.waitForAcks(1);
    assert.deepEqual(await spool.pending(), accepted);
    const [stored] = accepted;
    const record = await spool.read(stored!);
    assert.deepEqual(
      { kind: record.kind, code: record.header.code, zone: record.header.zone, body: record.body.toString() },
      { kind: 'contact_id', code: '130', zone: '003', body: report('1234', 1, '130', 1, 3) },
    );
  });

  it('gives no ACK when the spool cannot store the report, logs why and closes, so the panel sends it again', async () => {
    const full: Spool = Object.assign(Object.create(spool) as JournalSpool, {
      write: async () => {
        throw new SpoolUnavailable('ENOSPC: no space left on device');
      },
    });
    const client = await connect(await start(full));
    await client.write(report('1234', 1, '130', 1, 3));
    await client.waitForClose();
    assert.equal(client.acks, 0);
    assert.equal(accepted.length, 0);
    assert.ok(logs.some((line) => line.level === 50 && String(line.msg).includes('no ACK, so the panel sends it again')));
  });

  it('refuses an address outside the allowed networks, and one address past its share of connections', async () => {
    const outside = await connect(await start(spool, { allowedNetworks: parseNetworks(['192.168.0.0/16']) }));
    await outside.waitForClose();
    await receiver?.close();
    receiver = undefined;
    const port = await start(spool, { maxClientsPerAddress: 1 });
    const first = await connect(port);
    const second = await connect(port);
    await second.waitForClose();
    await first.write(report('1234', 1, '602', 0, 0));
    await first.waitForAcks(1);
    assert.equal(first.closed, false);
  });

  it('closes a connection that sends no right report within 10 s, not one that did (the slots, by their clock)', async () => {
    let now = 1_000_000;
    const port = await start(spool, { now: () => now });
    const silent = await connect(port);
    const reporting = await connect(port);
    await reporting.write(report('1234', 1, '602', 0, 0));
    await reporting.waitForAcks(1);
    now += 10_000;
    await silent.waitForClose(); // the receiver looks every second
    assert.equal(silent.acks, 0);
    await delay(1100);
    assert.equal(reporting.closed, false);
  });
});
