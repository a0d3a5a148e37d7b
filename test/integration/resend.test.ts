// A client that never read its 250 (the bridge was killed in between) sends the mail again: with a Message-ID, the
// same bytes and envelope, it keeps the first id and makes no second event. Anything else is a mail of its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { BridgeProcess } from '../helpers/bridge-process.js';
import { cleanUp } from '../helpers/cleanup.js';
import { readJournal } from '../helpers/journal.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { sendMail } from '../helpers/smtp-client.js';

const eventTopic = 'alarm-mail-bridge/event';

function queuedId(response: string): string {
  const id = /^250 Queued as (\S+)/.exec(response)?.[1];
  assert.ok(id, `not accepted: "${response}"`);
  return id;
}

const mail = (line: string, messageId?: string) =>
  `From: cam@garden.local\r\nTo: alarm@bridge.local\r\nSubject: Alarm\r\n${messageId ? `Message-ID: ${messageId}\r\n` : ''}Date: Sat, 21 Nov 2026 18:03:12 +0100\r\n\r\n${line}\r\n`;

describe('a mail sent again after a crash', () => {
  let broker: Mosquitto;
  let dataDir: string;

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-resend-'));
  });
  after(() =>
    cleanUp(
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('keeps its first id and makes one event; other bytes, another envelope or no Message-ID make events of their own', async (t) => {
    const bridge = await BridgeProcess.create(dataDir, broker.url);
    const subscriber = await Subscriber.connect(broker.url, [eventTopic]);
    const send = async (raw: string, to = 'alarm@bridge.local') => queuedId((await sendMail(bridge.smtpPort, { to, raw })).response);
    try {
      await bridge.start();
      const original = mail('Zone:1 Terrasse, Innenbereich Alarm', '<20261121180312.1@cam.garden.local>');
      const first = await send(original);
      const noIdFirst = await send(mail('Zone:2 Flur, Innenbereich Alarm'));
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === noIdFirst);
      // Delivered and retired, so a replay cannot account for a second event: only the resend could.
      while ((await readJournal(dataDir)).pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await bridge.kill(); // the client never read its 250 and sends the mail again once the bridge is back
      await bridge.start();

      assert.equal(await send(original), first, 'the resend is answered with the first id');
      const otherBytes = await send(mail('Zone:1 Terrasse, Innenbereich Alarm erneut', '<20261121180312.1@cam.garden.local>'));
      const otherEnvelope = await send(original, 'status@bridge.local');
      const noIdAgain = await send(mail('Zone:2 Flur, Innenbereich Alarm'));
      const last = await send(mail('Benutzer 1, Disarm'));
      await subscriber.next(eventTopic, (message) => (JSON.parse(message.payload) as AlarmEvent).id === last);

      const ids = subscriber.on(eventTopic).map((message) => (JSON.parse(message.payload) as AlarmEvent).id);
      assert.deepEqual(
        ids,
        [first, noIdFirst, otherBytes, otherEnvelope, noIdAgain, last],
        'events in order, the resent mail not among them',
      );
      assert.equal(new Set(ids).size, 6);
      assert.match(bridge.output, new RegExp(`mail resent by the client: kept as ${first}`));
      const keyed = (await readJournal(dataDir)).records.filter((record) => record.key !== undefined);
      assert.deepEqual(
        keyed.map((record) => record.id),
        [first, otherBytes, otherEnvelope],
        'a resend key for each stored mail with a Message-ID, none for those without',
      );
      t.diagnostic(`resent after kill -9: answered "Queued as ${first}", ${ids.length} events for 7 mails sent`);
    } finally {
      await subscriber.close();
      await bridge.stop();
    }
  });
});
