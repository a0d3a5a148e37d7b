// Hostile mail against a small disk under data_dir (issue 17): unparsable mails stay in quarantine only within its
// bounds, and a reserve of free space keeps room for the panel's alarm. Below the reserve, mail to other addresses
// gets 452 while alarm mail is still taken. Real tmpfs, real bridge, real SMTP client, real Mosquitto.
import assert from 'node:assert/strict';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { AlarmEvent } from '../../src/core/event.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { readJournal } from '../helpers/journal.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Subscriber } from '../helpers/mqtt-subscriber.js';
import { type OutgoingMail, replyCode, sendMail } from '../helpers/smtp-client.js';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';

const eventTopic = 'alarm-mail-bridge/event';
const mb = 1024 * 1024;
const alarm = (zone: number) => ({ to: 'alarm@bridge.local', body: `Zone:${zone} Flur, Innenbereich Alarm` });
/** Past mailparser's 1 MB of header per part: quarantined as `unparsed`. */
const hugeHeaderLine = (n: number) => Buffer.from(`Subject: huge ${n}\r\nX-Long: ${'a'.repeat(5 * mb)}\r\n\r\nbody\r\n`);
/** Past mailparser's 1,000 parts: quarantined as `unparsed` (about 170 KB). */
const nested3000 = (n: number) => {
  let raw = `Subject: nested ${n}\r\n`;
  for (let depth = 0; depth < 3000; depth++) raw += `Content-Type: multipart/mixed; boundary=b${depth}\r\n\r\n--b${depth}\r\n`;
  return Buffer.from(`${raw}Content-Type: text/plain\r\n\r\nx\r\n`);
};

/** 250, or the reply code the mail was refused with. */
const replyTo = (port: number, mail: OutgoingMail) =>
  sendMail(port, mail).then(
    () => 250,
    (error: unknown) => replyCode(error) ?? String(error),
  );
const quarantinedMails = async (dataDir: string) => (await readdir(join(dataDir, 'quarantine'))).filter((name) => name.endsWith('.eml'));
const disks = await Promise.all([mountTmpfs(48 * 1024), mountTmpfs(8 * 1024)]);

describe('a small disk under data_dir and hostile mail', {
  skip: disks.every(Boolean) ? false : 'cannot mount a tmpfs here (needs root)',
}, () => {
  let broker: Mosquitto;
  let subscriber: Subscriber;

  before(async () => {
    broker = await Mosquitto.start();
    subscriber = await Subscriber.connect(broker.url, [eventTopic]);
  });
  after(() =>
    cleanUp(
      () => subscriber.close(),
      () => broker.stop(),
      ...disks.map((disk) => () => disk && unmountTmpfs(disk)),
    ),
  );

  async function deliveredZone(response: string): Promise<number | null> {
    const id = /Queued as (\S+)/.exec(response)?.[1];
    const message = await subscriber.next(eventTopic, (received) => (JSON.parse(received.payload) as AlarmEvent).id === id);
    return (JSON.parse(message.payload) as AlarmEvent).zone;
  }

  it("takes the panel's alarm after ten 5 MB mails and 110 nested 3,000 deep on a 48 MB disk, also after a restart", async (t) => {
    const dataDir = join(disks[0]!, 'data');
    let test: TestBridge | undefined = await startTestBridge({ mqttUrl: broker.url, dataDir });
    t.after(() => test?.stop());
    const port = test.bridge.smtpPort;
    // The large ones to the alarm address, which the reserve never refuses: only the quarantine's bounds hold them.
    // Each once the one before is through (quarantined, its spool copy gone): 10 × 5 MB sent faster than 5 MB mails
    // are parsed would fill a 48 MB disk with the spool's backlog alone, which no bound of the quarantine is about.
    const huge: unknown[] = [];
    for (let n = 0; n < 10; n++) {
      huge.push(await replyTo(port, { to: 'alarm@bridge.local', raw: hugeHeaderLine(n) }));
      while ((await readJournal(dataDir)).pending.length > 0) await delay(20);
    }
    const nested: unknown[] = [];
    for (let n = 0; n < 110; n++) nested.push(await replyTo(port, { to: 'status@bridge.local', raw: nested3000(n) }));

    const { response } = await sendMail(port, alarm(1));
    assert.equal(await deliveredZone(response), 1);
    assert.deepEqual(huge, Array(10).fill(250), 'alarm mail is taken until the disk is full, and it never was');
    assert.ok(
      nested.every((code) => code === 250 || code === 452),
      `status mail: 250, or 452 below the reserve: ${nested.join(' ')}`,
    );

    // The alarm's event came after every hostile mail's: all of them are through the pipeline.
    const kept = await quarantinedMails(dataDir);
    assert.ok(kept.length > 0 && kept.length <= 100, `${kept.length} mails in quarantine`);
    const keptBytes = (await Promise.all(kept.map((name) => stat(join(dataDir, 'quarantine', name))))).reduce(
      (sum, info) => sum + info.size,
      0,
    );
    assert.ok(keptBytes <= 50 * mb);
    const removals = test.logs.filter((line) => String(line.msg).startsWith('quarantined mail removed'));
    assert.ok(removals.length > 0 && removals.every((line) => typeof line.mailId === 'string' && typeof line.bytes === 'number'));
    const reasons = await readdir(join(dataDir, 'quarantine'));
    assert.ok(reasons.includes(kept.at(-1)!.replace(/\.eml$/, '.reason')), 'the reason is kept beside the mail');

    await test.stop();
    test = undefined;
    test = await startTestBridge({ mqttUrl: broker.url, dataDir });
    const again = await sendMail(test.bridge.smtpPort, alarm(2));
    assert.equal(await deliveredZone(again.response), 2);
    const refused = nested.filter((code) => code === 452).length;
    t.diagnostic(
      `48 MB disk: 10 × 5 MB and 110 nested mails; ${refused} status mails got 452; quarantine kept ${kept.length} mails, ${(keptBytes / mb).toFixed(1)} MB, ${removals.length} removed; the alarm got 250 and its event, before and after a restart`,
    );
  });

  it('refuses status mail with 452 while free space is below the reserve, takes alarm mail, and all mail once there is room', async (t) => {
    const disk = disks[1]!;
    const test = await startTestBridge({ mqttUrl: broker.url, dataDir: join(disk, 'data') });
    t.after(() => test.stop());
    const port = test.bridge.smtpPort;
    const status = { to: 'status@bridge.local', body: 'Status: Scharf' };
    const filler = join(disk, 'filler');
    // The reserve on an 8 MB disk is a quarter of it, 2 MB: leave 1 MB.
    await fillUp(filler, 1 * mb);
    assert.equal(await replyTo(port, status), 452);
    assert.equal(
      await replyTo(port, { ...status, to: '+4915112345678@sms.local' }),
      250,
      'a number address is the alarm path of an e-mail-to-SMS gateway',
    );
    const { response } = await sendMail(port, alarm(3));
    assert.equal(await deliveredZone(response), 3);
    const both = await sendMail(port, { ...alarm(4), to: ['alarm@bridge.local', 'status@bridge.local'] });
    assert.deepEqual(both.rejectedCodes, [452], 'the status recipient is refused, the alarm recipient taken');
    assert.equal(await deliveredZone(both.response), 4);
    const episodes = () => test.logs.filter((line) => String(line.msg).startsWith('free space under data_dir'));
    assert.deepEqual(
      episodes().map((line) => line.level),
      [40],
      'logged once for the episode',
    );

    await rm(filler);
    // A reading of the free space answers for a second.
    let code: unknown = 452;
    for (let attempt = 0; attempt < 50 && code === 452; attempt++) {
      await delay(100);
      code = await replyTo(port, status);
    }
    assert.equal(code, 250);
    assert.deepEqual(
      episodes().map((line) => line.level),
      [40, 30],
    );
  });
});
