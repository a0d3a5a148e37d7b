// A 250 is a promise: kill -9 after it, restart, and the event arrives, with the id it had.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { BridgeProcess } from '../helpers/bridge-process.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';

/** The seed of the random kill moments: CRASH_SEED=<n> replays a run whose seed it printed. */
function crashSeed(): number {
  const given = process.env.CRASH_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  assert.match(given, /^\d+$/, `CRASH_SEED must be a whole number, not "${given}"`);
  return Number(given);
}

function queuedId(response: string): string {
  const id = /^250 Queued as (\S+)/.exec(response)?.[1];
  assert.ok(id, `not accepted: "${response}"`);
  return id;
}

/** Events by id; a replayed event must be the same event. */
function distinctEvents(events: AlarmEvent[]): Map<string, AlarmEvent> {
  const byId = new Map<string, AlarmEvent>();
  for (const event of events) {
    const earlier = byId.get(event.id);
    if (earlier) assert.deepEqual(event, earlier, 'a replayed event is the same event');
    byId.set(event.id, event);
  }
  return byId;
}

describe('crash after 250', () => {
  let broker: Mosquitto;
  let dataDir: string;

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-crash-'));
  });
  after(() =>
    cleanUp(
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('delivers every accepted mail exactly once after kill -9, in order, with the ids given at 250', async () => {
    const bridge = await BridgeProcess.create(join(dataDir, 'once'), broker.url);
    await broker.pause(); // nothing can go out before the kill
    await bridge.start();
    const accepted: string[] = [];
    for (const line of ['Zone:1 Terrasse, Innenbereich Alarm', 'Zone:8 Ost 1, Sabotage Alarm', 'Zone:5 PIR EG, IR Activity - Mobility']) {
      accepted.push(queuedId((await sendMail(bridge.smtpPort, { to: 'alarm@bridge.local', body: line })).response));
    }
    await bridge.kill();
    await broker.resume();
    const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
    try {
      await bridge.start();
      // One more mail after the restart: delivery is in order, so any duplicate would come before it.
      const marker = queuedId((await sendMail(bridge.smtpPort, { to: 'status@bridge.local', body: 'Benutzer 1, Disarm' })).response);
      const events = (await subscriber.collect(eventTopic, 4)).map((message) => JSON.parse(message.payload) as AlarmEvent);
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === marker);
      assert.deepEqual(
        subscriber.on(eventTopic).map((message) => (JSON.parse(message.payload) as AlarmEvent).id),
        [...accepted, marker],
      );
      assert.deepEqual(
        events.slice(0, 3).map((event) => event.type),
        ['intrusion', 'tamper', 'motion'],
      );
    } finally {
      await subscriber.close();
      await bridge.stop();
    }
  });

  it('loses nothing when killed right after each 250, and a replay keeps the id and content', async (t) => {
    const bridge = await BridgeProcess.create(join(dataDir, 'replay'), broker.url);
    const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
    const accepted: string[] = [];
    try {
      for (let round = 0; round < 5; round++) {
        await bridge.start();
        accepted.push(
          queuedId(
            (await sendMail(bridge.smtpPort, { to: 'alarm@bridge.local', body: `Zone:${round + 1} Raum ${round}, Innenbereich Alarm` }))
              .response,
          ),
        );
        await bridge.kill();
      }
      await bridge.start();
      const last = accepted.at(-1);
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === last);
      const events = subscriber.on(eventTopic).map((message) => JSON.parse(message.payload) as AlarmEvent);
      const byId = distinctEvents(events);
      assert.deepEqual([...byId.keys()], accepted, 'every accepted mail, in order, and nothing else');
      t.diagnostic(
        `crash rounds: 5 mails accepted, ${events.length} events received, ${events.length - byId.size} replays with the same id`,
      );
    } finally {
      await subscriber.close();
      await bridge.stop();
    }
  });

  it('loses nothing when killed at random moments during a stream of mails', async (t) => {
    const seed = crashSeed();
    const random = seededRandom(seed);
    const moments: number[] = [];
    t.diagnostic(`kill moments from seed ${seed}: CRASH_SEED=${seed} replays them`);
    const bridge = await BridgeProcess.create(join(dataDir, 'stream'), broker.url);
    const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
    const accepted: string[] = [];
    let refusedOrCut = 0;
    try {
      for (let round = 0; round < 6; round++) {
        await bridge.start();
        let streaming = true;
        const stream = (async () => {
          for (let index = 0; streaming; index++) {
            try {
              accepted.push(
                queuedId(
                  (
                    await sendMail(bridge.smtpPort, {
                      to: 'alarm@bridge.local',
                      body: `Zone:${index + 1} Runde ${round}-${index}, Innenbereich Alarm`,
                    })
                  ).response,
                ),
              );
            } catch {
              refusedOrCut += 1; // no 250: the sender would retry, nothing was promised
              return;
            }
          }
        })();
        moments.push(Math.round(300 + random() * 1200));
        await new Promise((resolve) => setTimeout(resolve, moments.at(-1))); // a random moment, not a timed assertion
        await bridge.kill();
        streaming = false;
        await stream;
      }
      await bridge.start();
      const last = accepted.at(-1);
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === last);
      const events = subscriber.on(eventTopic).map((message) => JSON.parse(message.payload) as AlarmEvent);
      const byId = distinctEvents(events);
      for (const id of accepted)
        assert.ok(byId.has(id), `accepted mail ${id} produced its event (CRASH_SEED=${seed}, kills after ${moments.join(', ')} ms)`);
      t.diagnostic(
        `kill -9 during a stream: 6 kills after ${moments.join(', ')} ms, ${accepted.length} mails answered 250, ${byId.size} distinct events (all accepted ones), ${events.length - byId.size} replays with the same id, ${refusedOrCut} transactions cut before 250`,
      );
    } finally {
      await subscriber.close();
      await bridge.stop();
    }
  });
});
