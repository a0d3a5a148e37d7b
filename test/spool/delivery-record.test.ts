// The record of which outputs have a pending mail's event: kept for pending mails only, read back after a crash
// (also with a line cut short), and bounded however long the bridge runs.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeliveryRecord } from '../../src/spool/delivery-record.js';

describe('DeliveryRecord', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-delivered-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads back what a previous run recorded for pending mails, and drops the rest and a line cut short', async () => {
    const path = join(dir, 'crash.log');
    const before = new DeliveryRecord(path);
    await before.open([]);
    before.record('m1', 'mqtt');
    before.record('m2', 'mqtt');
    before.record('m2', 'sms');
    before.record('m3', 'mqtt');
    await before.flush();
    // No close: the process died. A write cut in the middle leaves a partial last line.
    await appendFile(path, 'm1 sm');
    const after = new DeliveryRecord(path);
    await after.open(['m1', 'm2']);
    assert.deepEqual([...after.deliveredTo('m1')], ['mqtt']);
    assert.deepEqual([...after.deliveredTo('m2')].sort(), ['mqtt', 'sms']);
    assert.deepEqual([...after.deliveredTo('m3')], [], 'm3 was retired');
    assert.equal(await readFile(path, 'latin1'), 'm1 mqtt\nm2 mqtt\nm2 sms\n', 'only the lines still needed are kept');
    // Both retire in this run without a new delivery: the lines the start kept go too.
    after.forget('m1');
    after.forget('m2');
    await after.flush();
    assert.equal(await readFile(path, 'latin1'), '');
    await after.close();
    await before.close();
  });

  it('empties the file when no mail is pending, and compacts it past its bound while mails stay pending', async () => {
    const path = join(dir, 'bound.log');
    const record = new DeliveryRecord(path, { compactAfterLines: 50 });
    await record.open([]);
    record.record('stuck', 'sms'); // a mail that stays pending the whole time
    for (let index = 0; index < 1000; index++) {
      record.record(`mail-${index}`, 'mqtt');
      record.forget(`mail-${index}`);
    }
    await record.flush();
    const lines = (await readFile(path, 'latin1')).split('\n').filter(Boolean);
    assert.ok(lines.length <= 51, `${lines.length} lines after 1,000 mails`);
    assert.ok(lines.includes('stuck sms'));
    record.forget('stuck');
    await record.flush();
    assert.equal((await stat(path)).size, 0);
    // An idle bridge holds the file closed: a read-only remount of data_dir would fail while it is open for writing.
    const open = (await readdir('/proc/self/fd')).flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`, 'utf8')];
      } catch {
        return []; // the descriptor readdir itself used, closed by now
      }
    });
    assert.ok(!open.includes(path), 'the record is not held open while no mail is pending');
    await record.close();
  });
});
