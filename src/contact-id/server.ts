// The Contact ID receiver, the bridge's second input: the panel's reports over TCP (frame.ts) are stored in the spool
// as `contact_id` records, and each is answered with one byte 0x06 only once it is durable, as a 250 is. A wrong
// checksum, an unknown account or garbage gets no ACK (the panel sends it again) and is logged once per connection;
// an endless line, or too much that is no report, closes the connection. Who may connect and how many at once:
// the SMTP intake's allowed networks and its slots (smtp/slots.ts), a report being a connection's progress.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import type { Bus } from '../core/bus.js';
import { isAllowedAddress, type Network } from '../core/networks.js';
import { oneLine } from '../errors.js';
import type { Logger } from '../log.js';
import { Slots } from '../smtp/slots.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { type ContactIdFrame, readFrame } from './frame.js';
import { contactIdRecord } from './record.js';
import { FrameSplitter } from './splitter.js';

export interface ContactIdOptions {
  host: string;
  port: number;
  accounts: readonly string[];
  allowedNetworks: readonly Network[];
  maxClients: number;
  maxClientsPerAddress: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The slots' clock; `Date.now` by default. */
  now?: () => number;
}

export interface ContactIdDependencies {
  spool: Spool;
  log: Logger;
  /** A report now durable and acknowledged, for the processor. */
  onAccepted: (id: string, record: SpoolRecord | undefined) => void;
  bus?: Bus;
}

export interface ContactIdReceiver {
  port: number;
  close(): Promise<void>;
}

const ack = Buffer.from([0x06]);
/** Reports that get no ACK a connection may send before it is closed (the panel sends each again a few times). */
const maxRefusedReports = 10;
/** Bytes that are no report a connection may send before it is closed: more than a few frames' worth. */
const maxGarbageBytes = 256;
/** A panel sends its first report at once: a connection without one within this is closed while slots run short. */
const firstReportMs = 10_000;
/** A refused address is logged at most once an hour. */
const refusalLogIntervalMs = 3600_000;
const maxRefusalsRemembered = 10_000;

export async function startContactIdReceiver(options: ContactIdOptions, deps: ContactIdDependencies): Promise<ContactIdReceiver> {
  const { log, bus } = deps;
  const accounts = new Set(options.accounts);
  const now = options.now ?? Date.now;
  const short = Math.min(firstReportMs, options.idleTimeoutMs);
  const slots = new Slots(
    {
      maxClients: options.maxClients,
      maxClientsPerAddress: options.maxClientsPerAddress,
      greetingTimeoutMs: short,
      stressIdleTimeoutMs: short,
      stressShare: 0.8,
      transactionStallMs: 2000,
      minDataRate: 1,
      maxMessageBytes: 0,
    },
    now,
  );
  const sockets = new Map<string, Socket>();
  const refusalsLogged = new Map<string, number>();
  /** Reports being stored: a close waits for them, so that none is written into a spool already closed. */
  const storing = new Set<Promise<boolean>>();
  let nextId = 0;

  const server = createServer((socket) => {
    const id = String(++nextId);
    const remote = socket.remoteAddress ?? '';
    if (!isAllowedAddress(remote, options.allowedNetworks)) {
      const last = refusalsLogged.get(remote) ?? -Infinity;
      if (now() - last > refusalLogIntervalMs) {
        if (refusalsLogged.size > maxRefusalsRemembered) refusalsLogged.clear();
        refusalsLogged.set(remote, now());
        log.warn({ remote }, 'Contact ID connection refused: address outside smtp.allowed_networks (logged once an hour per address)');
      }
      socket.destroy();
      return;
    }
    let reported = false;
    const admission = slots.admit(id, remote, () => ({ greeted: reported, inTransaction: false, dataBytes: 0, messageComplete: false }));
    if (!admission.admitted) {
      log.debug({ remote, reason: admission.reason }, 'Contact ID connection refused: too many connections');
      socket.destroy();
      return;
    }
    if (admission.evicted !== undefined) sockets.get(admission.evicted)?.destroy();
    sockets.set(id, socket);
    const splitter = new FrameSplitter();
    let refused = 0;
    let garbageBytes = 0;
    let problemLogged = false;
    const problem = (what: string, fields: Record<string, unknown> = {}) => {
      if (!problemLogged) {
        problemLogged = true;
        log.warn({ remote, ...fields }, `Contact ID: ${what}: no ACK (logged once per connection)`);
      }
      if (refused > maxRefusedReports || garbageBytes > maxGarbageBytes) socket.destroy();
    };
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    const session = setTimeout(() => socket.destroy(), options.sessionTimeoutMs).unref();
    socket.on('error', (error) => log.debug({ remote, err: error }, 'Contact ID connection error'));
    socket.on('close', () => {
      clearTimeout(session);
      sockets.delete(id);
      slots.release(id);
    });
    // One chunk at a time: its reports are stored and answered in order before the next is read.
    socket.on('data', (chunk: Buffer) => {
      socket.pause();
      void (async () => {
        for (const piece of splitter.push(chunk)) {
          if (socket.destroyed) return;
          if ('garbage' in piece) {
            garbageBytes += piece.garbage;
            problem('bytes that are no report', { bytes: piece.garbage });
          } else if ('tooLong' in piece) {
            problem('a line far longer than a report');
            socket.destroy();
          } else {
            const reading = readFrame(piece.frame);
            if (!reading.ok || !accounts.has(reading.frame.account)) refused += 1;
            if (!reading.ok) problem(`report refused (${reading.problem})`);
            else if (!accounts.has(reading.frame.account)) problem('report of an unknown account', { account: reading.frame.account });
            else {
              const storage = store(reading.frame, piece.frame, remote);
              storing.add(storage);
              const stored = await storage.finally(() => storing.delete(storage));
              if (!stored) {
                socket.destroy();
                return;
              }
              reported = true;
              slots.completed(id);
              if (!socket.destroyed) socket.write(ack);
            }
          }
        }
        if (!socket.destroyed) socket.resume();
      })();
    });
  });

  /** True once the report is durable and handed on. */
  async function store(frame: ContactIdFrame, text: string, remote: string): Promise<boolean> {
    const receivedAt = new Date().toISOString();
    try {
      const draft = await deps.spool.write(contactIdRecord({ ...frame, receivedAt, remoteAddress: remote }, text));
      const { id, record } = await draft.commit();
      log.info({ mailId: id, remote, code: frame.code, qualifier: frame.qualifier, zone: frame.zone }, 'Contact ID report accepted');
      deps.onAccepted(id, record);
      return true;
    } catch (error) {
      log.error({ err: error, remote }, `Contact ID report not stored: no ACK, so the panel sends it again (${oneLine(error)})`);
      return false;
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  server.on('error', (error) => log.warn({ err: error }, 'Contact ID receiver error'));
  const sweep = setInterval(() => {
    for (const { id } of slots.expired()) sockets.get(id)?.destroy();
  }, 1000).unref();
  log.info({ host: options.host, port, accounts: accounts.size }, 'Contact ID receiver listening');
  bus?.emit('intake', { input: 'contact_id', listening: true, address: `${options.host}:${port}` });
  return {
    port,
    close: async () => {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets.values()) socket.destroy();
      await Promise.all(storing);
      await closed;
      bus?.emit('intake', { input: 'contact_id', listening: false });
    },
  };
}
