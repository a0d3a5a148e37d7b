// The Contact ID receiver, the bridge's second input: it listens, admits connections and stores each report in the
// spool as a `contact_id` record; a connection (connection.ts) answers it with 0x06 only once it is durable, as a
// 250 is. Who may connect and how many at once: the SMTP intake's allowed networks and its slots (smtp/slots.ts), a
// report being a connection's progress; one that sends no report within 10 s is closed.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import type { Bus } from '../core/bus.js';
import { isAllowedAddress, type Network } from '../core/networks.js';
import { oneLine } from '../errors.js';
import type { Logger } from '../log.js';
import { Slots } from '../smtp/slots.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { ReportConnection } from './connection.js';
import type { ContactIdFrame } from './frame.js';
import { contactIdRecord } from './record.js';

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
    /** Reports of this connection being stored: one whose store takes long (a slow SD card) never gives way before its ACK. */
    let storingHere = 0;
    const admission = slots.admit(id, remote, () => ({
      greeted: reported || storingHere > 0,
      inTransaction: false,
      dataBytes: 0,
      messageComplete: storingHere > 0,
    }));
    if (!admission.admitted) {
      log.debug({ remote, reason: admission.reason }, 'Contact ID connection refused: too many connections');
      socket.destroy();
      return;
    }
    if (admission.evicted !== undefined) sockets.get(admission.evicted)?.destroy();
    sockets.set(id, socket);
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    const session = setTimeout(() => socket.destroy(), options.sessionTimeoutMs).unref();
    socket.on('close', () => {
      clearTimeout(session);
      sockets.delete(id);
      slots.release(id);
    });
    new ReportConnection(socket, {
      accounts,
      log,
      store: (frame, text, from) => {
        const storage = store(frame, text, from);
        storing.add(storage);
        storingHere += 1;
        return storage.finally(() => {
          storing.delete(storage);
          storingHere -= 1;
        });
      },
      onReported: () => {
        reported = true;
        slots.completed(id);
      },
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
