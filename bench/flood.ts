// Flood: C clients send XT1 status mails (door open/closed: events, never alarms) as fast as the bridge answers,
// for a while; in the middle one alarm mail comes on its own connection. Figures: that alarm's 250 → event at the
// subscriber, the longest any client waited for one reply, and the longest any client was refused (4xx, or its
// connection closed) in a row before a mail got its 250 again; and how long the backlog took to drain.
import { setTimeout as delay } from 'node:timers/promises';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { Arrivals } from './arrivals.js';
import type { FsyncShim } from './fsync-shim.js';
import { alarmBody } from './measure.js';
import { expect, openSession, type ReplyReader } from './smtp-load.js';
import { bridgeEventTopic, type System, startBridge } from './systems.js';

export interface FloodFigures {
  clients: number;
  seconds: number;
  /** Status mails answered 250. */
  accepted: number;
  refusals: number;
  alarmReplyMs: number;
  /** The alarm's 250 → its event at the subscriber. */
  alarmEventMs: number;
  longestReplyWaitMs: number;
  longestRefusedMs: number;
  /** Flood's end → the event of the last accepted status mail (the backlog drained); NaN if not within the wait. */
  drainMs: number;
}

/** How long after the flood the events of its accepted mails may take to arrive before the figure says so. */
const drainWaitMs = 60_000;
const alarmSequence = 9_999_999;

/** A status line of the client's own zone; the name stays the same, as a panel's does. */
const statusBody = (client: number, count: number) => `Zone:${client + 1} Flur ${client + 1}, ${count % 2 === 0 ? 'DC Open' : 'DC Close'}`;

interface ClientFigures {
  accepted: number;
  refusals: number;
  longestReplyWaitMs: number;
  longestRefusedMs: number;
}

async function timedReply(reader: ReplyReader, figures: ClientFigures): Promise<string> {
  const sentAt = performance.now();
  const reply = await reader.next();
  figures.longestReplyWaitMs = Math.max(figures.longestReplyWaitMs, performance.now() - sentAt);
  return reply;
}

async function floodClient(port: number, client: number, until: number): Promise<ClientFigures> {
  const figures = { accepted: 0, refusals: 0, longestReplyWaitMs: 0, longestRefusedMs: 0 };
  let session: Awaited<ReturnType<typeof openSession>> | undefined;
  let refusedSince: number | undefined;
  const refused = () => {
    figures.refusals++;
    refusedSince ??= performance.now();
  };
  while (performance.now() < until) {
    try {
      session ??= await openSession(port);
      const { socket, reader } = session;
      socket.write('MAIL FROM:<xt1@panel.local>\r\n');
      const steps = [
        ['RCPT TO:<status@bridge.local>\r\n', '250'],
        ['DATA\r\n', '354'],
        [`From: xt1@panel.local\r\nTo: status@bridge.local\r\n\r\n${statusBody(client, figures.accepted)}\r\n.\r\n`, '250'],
      ] as const;
      let answered = (await timedReply(reader, figures)).startsWith('250') ? 0 : -1;
      for (const [line, code] of answered === 0 ? steps : []) {
        socket.write(line);
        if (!(await timedReply(reader, figures)).startsWith(code)) break;
        answered++;
      }
      if (answered === steps.length) {
        figures.accepted++;
        if (refusedSince !== undefined) figures.longestRefusedMs = Math.max(figures.longestRefusedMs, performance.now() - refusedSince);
        refusedSince = undefined;
      } else {
        refused();
        socket.write('RSET\r\n');
        await reader.next();
      }
    } catch {
      session?.socket.destroy();
      session = undefined;
      refused();
      await delay(20);
    }
  }
  if (refusedSince !== undefined) figures.longestRefusedMs = Math.max(figures.longestRefusedMs, performance.now() - refusedSince);
  session?.socket.end('QUIT\r\n');
  return figures;
}

/**
 * One alarm mail on its own connection, from another loopback address (127.0.0.2): the flood's clients hold all
 * of their address's connections (smtp.max_clients_per_address, 10 by default). The time its 250 came.
 */
async function sendAlarm(port: number): Promise<{ sentAt: number; repliedAt: number }> {
  const { socket, reader } = await openSession(port, '127.0.0.2');
  socket.write('MAIL FROM:<xt1@panel.local>\r\nRCPT TO:<alarm@bridge.local>\r\nDATA\r\n');
  await expect(reader, '250');
  await expect(reader, '250');
  await expect(reader, '354');
  socket.write(`From: xt1@panel.local\r\nTo: alarm@bridge.local\r\n\r\n${alarmBody(alarmSequence)}\r\n.\r\n`);
  const sentAt = performance.now();
  await expect(reader, '250');
  const repliedAt = performance.now();
  socket.end('QUIT\r\n');
  return { sentAt, repliedAt };
}

export async function runFlood(clients: number, seconds: number, nodeArgs: string[], shim: FsyncShim | undefined): Promise<FloodFigures> {
  const broker = await Mosquitto.start();
  let subscriber: Subscriber | undefined;
  let bridge: System | undefined;
  try {
    subscriber = await Subscriber.connect(broker.url, [bridgeEventTopic]);
    let statusEvents = 0;
    subscriber.onMessage((payload) => {
      if (payload.includes('Flur')) statusEvents++;
    });
    const alarms = Arrivals.of(subscriber, bridgeEventTopic);
    bridge = await startBridge({ brokerUrl: broker.url, shim, nodeArgs });
    const port = bridge.port;
    const until = performance.now() + seconds * 1000;
    const flood = Promise.all(Array.from({ length: clients }, (_, client) => floodClient(port, client, until)));
    await delay((seconds * 1000) / 2);
    const alarm = await sendAlarm(port);
    const perClient = await flood;
    const floodEnd = performance.now();
    await alarms.all([alarmSequence]);
    const accepted = perClient.reduce((sum, client) => sum + client.accepted, 0);
    while (statusEvents < accepted && performance.now() - floodEnd < drainWaitMs) await delay(10);
    return {
      clients,
      seconds,
      accepted,
      refusals: perClient.reduce((sum, client) => sum + client.refusals, 0),
      alarmReplyMs: alarm.repliedAt - alarm.sentAt,
      alarmEventMs: alarms.times.get(alarmSequence)! - alarm.repliedAt,
      longestReplyWaitMs: Math.max(...perClient.map((client) => client.longestReplyWaitMs)),
      longestRefusedMs: Math.max(...perClient.map((client) => client.longestRefusedMs)),
      drainMs: statusEvents >= accepted ? performance.now() - floodEnd : Number.NaN,
    };
  } finally {
    await bridge?.stop();
    await subscriber?.close();
    await broker.stop();
  }
}
