// Real disk faults under data_dir: a small tmpfs filled to the last byte, then remounted read-only. Intake answers
// 451 (nothing is acknowledged that is not stored) and takes mail again by itself once the disk is usable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { bodiesWithBytes, readJournal } from '../helpers/journal.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { replyCode, sendMail } from '../helpers/smtp-client.js';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';

const run = promisify(execFile);
const eventTopic = 'alarm-mail-bridge/event';
const alarm = (zone: number) => ({ to: 'alarm@bridge.local', body: `Zone:${zone} Flur, Innenbereich Alarm` });

/** Remounting read-only fails (EBUSY) while a file is open for writing, e.g. a state file being replaced. */
async function remountReadOnly(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run('mount', ['-o', 'remount,ro', dir]);
      return;
    } catch (error) {
      if (attempt >= 100 || !/busy/.test(String((error as { stderr?: string }).stderr))) throw error;
      await delay(20);
    }
  }
}

const mountPoint = await mountTmpfs(4096);

describe('disk faults under data_dir', { skip: mountPoint ? false : 'cannot mount a tmpfs here (needs root)' }, () => {
  const disk = mountPoint ?? '';
  const dataDir = join(disk, 'data');
  let broker: Mosquitto;
  let test: TestBridge;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    test = await startTestBridge({ mqttUrl: broker.url, dataDir });
    subscriber = await Subscriber.connect(broker.url, [eventTopic]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => test.stop(),
      () => broker.stop(),
      () => unmountTmpfs(disk),
    ),
  );

  async function deliveredZone(response: string): Promise<number | null> {
    const id = /Queued as (\S+)/.exec(response)?.[1];
    const message = await subscriber.next(eventTopic, (received) => (JSON.parse(received.payload) as AlarmEvent).id === id);
    return (JSON.parse(message.payload) as AlarmEvent).zone;
  }

  it('answers 451 while the disk is full, and 250 again once there is room', async (t) => {
    const filler = join(disk, 'filler');
    const before = await readJournal(dataDir);
    await fillUp(filler);
    const refused = await Promise.allSettled([1, 2, 3].map((zone) => sendMail(test.bridge.smtpPort, alarm(zone))));
    await rm(filler);
    assert.deepEqual(
      refused.map((outcome) => outcome.status === 'rejected' && replyCode(outcome.reason)),
      [451, 451, 451],
    );
    assert.deepEqual((await readJournal(dataDir)).records, before.records, 'nothing stored, nothing acknowledged');
    assert.deepEqual(await bodiesWithBytes(dataDir), [], 'no partial bodies left behind');
    const { response } = await sendMail(test.bridge.smtpPort, alarm(4));
    assert.equal(await deliveredZone(response), 4);
    t.diagnostic('disk full: 3 mails answered 451, none stored; the next mail after freeing space: 250 and its event');
  });

  it('answers 451 while data_dir is read-only, and 250 again once it is writable', async () => {
    await remountReadOnly(disk);
    let refused: unknown;
    try {
      await sendMail(test.bridge.smtpPort, alarm(5));
    } catch (error) {
      refused = error;
    } finally {
      await run('mount', ['-o', 'remount,rw', disk]);
    }
    assert.equal(replyCode(refused), 451);
    const { response } = await sendMail(test.bridge.smtpPort, alarm(6));
    assert.equal(await deliveredZone(response), 6);
  });
});
