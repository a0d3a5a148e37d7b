// A fuzz of Contact ID input: random bytes, random reports and random cuts through them never throw, never ACK what is
// not a right report of a known account, never hold more than a frame per connection, and leave the receiver
// answering. The heap before and after is printed, not asserted (no timed or sized assertions on a shared machine).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { maxFrameBytes, readFrame } from '../../src/contact-id/frame.js';
import { type ContactIdReceiver, startContactIdReceiver } from '../../src/contact-id/server.js';
import { FrameSplitter } from '../../src/contact-id/splitter.js';
import { categories } from '../../src/core/event.js';
import { parseNetworks } from '../../src/core/networks.js';
import { createLogger } from '../../src/log.js';
import { contactIdEvent } from '../../src/sources/contact-id/index.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { cleanUp } from '../helpers/cleanup.js';
import { ContactIdClient, report } from '../helpers/contact-id-client.js';

const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
const goodReport = fc
  .record({
    account: fc.constantFrom('1234', 'test'),
    qualifier: fc.constantFrom(1, 3, 6),
    code: digits(3),
    partition: digits(2),
    zone: digits(3),
  })
  .map(({ account, qualifier, code, partition, zone }) => report(account, qualifier as 1 | 3 | 6, code, Number(partition), Number(zone)));
/** What a connection may carry: right reports, reports of another account, bytes of any kind, separators. */
const piece = fc.oneof(
  goodReport.map((text) => ({ text, good: true })),
  goodReport.map((text) => ({ text: text.replace(/^\[(1234|test)/, '[9999'), good: false })),
  fc.uint8Array({ maxLength: 80 }).map((bytes) => ({ text: Buffer.from(bytes).toString('latin1'), good: false })),
  fc.string({ maxLength: 40 }).map((text) => ({ text: `[${text}]`, good: false })),
  fc.constantFrom('\r\n', ' ', '\0').map((text) => ({ text, good: false })),
);

describe('Contact ID fuzz', () => {
  it('reads any bytes in any cut without throwing, holding at most a frame, and finds no report in what has none', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const splitter = new FrameSplitter();
        for (const chunk of chunks) {
          for (const found of splitter.push(Buffer.from(chunk))) {
            if (!('frame' in found)) continue;
            const reading = readFrame(found.frame);
            if (reading.ok) contactIdEvent(reading.frame, 'id', new Date(0).toISOString());
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('turns every right report into an event of a known category, and refuses it with any one byte changed (but the case of its checksum)', () => {
    fc.assert(
      fc.property(goodReport, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, at, delta) => {
        const reading = readFrame(text);
        assert.ok(reading.ok);
        const event = contactIdEvent(reading.frame, 'id', new Date(0).toISOString());
        assert.ok(categories.includes(event.category));
        const index = 1 + (at % (text.length - 2));
        const changed = text.slice(0, index) + String.fromCharCode((text.charCodeAt(index) + delta) % 256) + text.slice(index + 1);
        if (changed.at(index) === ']' || changed.at(index) === '[') return; // no longer one frame: the splitter's business
        if (changed.toUpperCase() === text.toUpperCase() && index >= text.length - 5) return; // the checksum's hex in lower case
        assert.equal(readFrame(changed).ok, false, `${changed} passed`);
      }),
      { numRuns: 5000 },
    );
  });

  describe('over TCP', () => {
    let dataDir: string;
    let spool: JournalSpool;
    let receiver: ContactIdReceiver;
    let accepted = 0;
    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'amb-cid-fuzz-'));
      spool = new JournalSpool(dataDir);
      await spool.open();
      receiver = await startContactIdReceiver(
        {
          host: '127.0.0.1',
          port: 0,
          accounts: ['1234', 'test'],
          allowedNetworks: parseNetworks(['127.0.0.0/8']),
          maxClients: 10,
          maxClientsPerAddress: 10,
          idleTimeoutMs: 5000,
          sessionTimeoutMs: 30_000,
        },
        {
          spool,
          log: createLogger({ level: 'error', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
          onAccepted: () => (accepted += 1),
        },
      );
    });
    after(() =>
      cleanUp(
        () => receiver.close(),
        () => spool.close(),
        () => rm(dataDir, { recursive: true, force: true }),
      ),
    );

    it('ACKs no more than the right reports sent, never crashes, and answers a right report after', async (t) => {
      const heapBefore = process.memoryUsage().heapUsed;
      let sentGood = 0;
      let acks = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), async (pieces, cuts) => {
          const bytes = Buffer.from(pieces.map((one) => one.text).join(''), 'latin1');
          const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const client = await ContactIdClient.connect(receiver.port);
          try {
            let from = 0;
            for (const to of [...at, bytes.length]) {
              if (to > from && !client.closed) await client.write(bytes.subarray(from, to)).catch(() => undefined);
              from = Math.max(from, to);
            }
            const good = pieces.filter((one) => one.good).length;
            sentGood += good;
            // Wait for what may come: every right report before the first thing that closes the connection.
            await client.waitForAcks(good, 300).catch(() => undefined);
            assert.ok(client.acks <= good, `${client.acks} ACKs for ${good} right reports`);
            acks += client.acks;
          } finally {
            client.close();
          }
        }),
        { numRuns: 150 },
      );
      const client = await ContactIdClient.connect(receiver.port);
      await client.write(report('1234', 1, '602', 0, 0));
      await client.waitForAcks(1);
      client.close();
      assert.equal(accepted, acks + 1, 'each ACK is a stored report');
      globalThis.gc?.();
      const heapAfter = process.memoryUsage().heapUsed;
      t.diagnostic(
        `fuzz over TCP: 150 connections, ${sentGood} right reports sent, ${acks} ACKed; at most ${maxFrameBytes} bytes held per connection; heap ${(heapBefore / 1e6).toFixed(1)} MB before, ${(heapAfter / 1e6).toFixed(1)} MB after`,
      );
    });
  });
});
