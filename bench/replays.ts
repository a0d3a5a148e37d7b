// Replays per kill -9: a stream of alarm mails to the bridge (its own process, started as a user does), killed at
// random moments and started again; prints how many events a subscriber got twice (same id) per kill.
// `npm run replays -- --kills 20 --seed 7` (the seed makes the kill moments repeatable).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AlarmEvent } from '../src/core/event.js';
import { BridgeProcess } from '../test/helpers/bridge-process.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { sendMail } from '../test/helpers/smtp-client.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } } });
const kills = Number(values.kills);
const random = seededRandom(Number(values.seed));

const eventTopic = 'alarm-mail-bridge/event';
const broker = await Mosquitto.start();
const dir = await mkdtemp(join(tmpdir(), 'amb-replays-'));
const bridge = await BridgeProcess.create(join(dir, 'data'), broker.url);
const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
const accepted: string[] = [];
try {
  for (let round = 0; round < kills; round++) {
    await bridge.start();
    let streaming = true;
    // Four clients at once, as a few panels and cameras would.
    const stream = Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        for (let index = 0; streaming; index++) {
          const reply = await sendMail(bridge.smtpPort, {
            to: 'alarm@bridge.local',
            body: `Zone:${(index % 30) + 1} Runde ${round}-${client}-${index}, Innenbereich Alarm`,
          }).catch(() => undefined);
          const id = reply && /^250 Queued as (\S+)/.exec(reply.response)?.[1];
          if (!id) return;
          accepted.push(id);
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1200));
    await bridge.kill();
    streaming = false;
    await stream;
  }
  await bridge.start();
  const last = accepted.at(-1);
  // Many kills can leave many mails to replay: more time than a test's default wait.
  await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === last, { timeoutMs: 300_000 });
  const ids = subscriber.on(eventTopic).map((message) => (JSON.parse(message.payload) as AlarmEvent).id);
  const distinct = new Set(ids);
  const lost = accepted.filter((id) => !distinct.has(id));
  // A mail stored but killed before its 250 was read makes an event the client was never promised (it would resend).
  console.log(
    `kills ${kills}, mails answered 250 ${accepted.length}, events ${ids.length}, distinct ${distinct.size} (${distinct.size - accepted.length + lost.length} stored without a 250 read), lost ${lost.length}`,
  );
  console.log(`replays (same id twice) ${ids.length - distinct.size}, per kill ${((ids.length - distinct.size) / kills).toFixed(2)}`);
} finally {
  await subscriber.close();
  await bridge.stop();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
