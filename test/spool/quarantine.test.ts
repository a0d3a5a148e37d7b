// The quarantine on a real folder with a clock the test moves: its bounds (count, size, age, free space), oldest
// first, each removal told; the reason kept beside each mail; what a restart finds.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Bus, type BusEvents } from '../../src/core/bus.js';
import { Quarantine, type QuarantineLimits, type QuarantineOptions, type QuarantineRemoval } from '../../src/spool/quarantine.js';

const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

const day = 24 * 3600_000;
const roomy: QuarantineLimits = { maxMails: 100, maxTotalBytes: 1024 * 1024, maxAgeMs: 30 * day };

/** A quarantine in a fresh folder, the spool folder it takes mails from, its clock and what it removed. */
async function setUp(limits: QuarantineLimits, options: Omit<QuarantineOptions, 'limits' | 'now' | 'onRemoved'> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'quarantine-'));
  folders.push(root);
  const clock = { now: Date.parse('2026-11-21T18:00:00Z') };
  const removed: QuarantineRemoval[] = [];
  const dir = join(root, 'quarantine');
  const open = async () => {
    const quarantine = new Quarantine(dir, { limits, now: () => clock.now, onRemoved: (removal) => removed.push(removal), ...options });
    await quarantine.open();
    return quarantine;
  };
  const quarantine = await open();
  let counter = 0;
  /** Puts a spool file of `bytes` bytes in, one minute after the previous one. */
  const admit = async (bytes: number, reason?: string, into = quarantine) => {
    counter += 1;
    clock.now += 60_000;
    const id = `20261121T180000000Z-${String(counter).padStart(6, '0')}-0000abcd`;
    await into.admit(Buffer.alloc(bytes, 0x61), id, reason);
    return id;
  };
  return { dir, clock, removed, quarantine, admit, open };
}

describe('Quarantine', () => {
  it('keeps each mail with its reason, and lists id, size, time and reason', async () => {
    const { dir, clock, quarantine, admit } = await setUp(roomy);
    const id = await admit(1000, 'mailparser failed: Max header size for a MIME node exceeded');
    assert.deepEqual((await readdir(dir)).sort(), [`${id}.eml`, `${id}.reason`]);
    assert.equal(await readFile(join(dir, `${id}.reason`), 'utf8'), 'mailparser failed: Max header size for a MIME node exceeded');
    const reasonBytes = 'mailparser failed: Max header size for a MIME node exceeded'.length;
    assert.deepEqual(quarantine.list(), [
      { id, bytes: 1000 + reasonBytes, quarantinedAt: clock.now, reason: 'mailparser failed: Max header size for a MIME node exceeded' },
    ]);
    assert.equal(quarantine.totalBytes, 1000 + reasonBytes);
  });

  it('keeps the mail when its reason cannot be written', async () => {
    const { dir, quarantine, admit } = await setUp(roomy);
    // The next id's reason file name taken by a folder: writing it fails as on a full disk.
    await mkdir(join(dir, '20261121T180000000Z-000001-0000abcd.reason'));
    const id = await admit(1000, 'mailparser failed');
    assert.deepEqual(
      quarantine.list().map(({ id: kept, bytes, reason }) => [kept, bytes, reason]),
      [[id, 1000, undefined]],
    );
    assert.ok((await readdir(dir)).includes(`${id}.eml`));
  });

  it('removes the oldest mails beyond the count, one by one, and says so', async () => {
    const { dir, removed, quarantine, admit } = await setUp({ ...roomy, maxMails: 3 });
    const ids = [];
    for (let index = 0; index < 5; index++) ids.push(await admit(100));
    assert.deepEqual(
      quarantine.list().map((mail) => mail.id),
      ids.slice(2),
    );
    assert.deepEqual(removed, [
      { id: ids[0], bytes: 100, why: 'count' },
      { id: ids[1], bytes: 100, why: 'count' },
    ]);
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ids.slice(2).map((id) => `${id}.eml`),
    );
  });

  it('removes the oldest mails until the total fits, also the new one when it alone is too large', async () => {
    const { removed, quarantine, admit } = await setUp({ ...roomy, maxTotalBytes: 10_000 });
    const first = await admit(4000);
    const second = await admit(4000);
    const third = await admit(4000);
    assert.deepEqual(
      quarantine.list().map((mail) => mail.id),
      [second, third],
    );
    assert.deepEqual(removed, [{ id: first, bytes: 4000, why: 'size' }]);
    const huge = await admit(20_000);
    assert.deepEqual(quarantine.list(), []);
    assert.deepEqual(
      removed.slice(1).map(({ id, why }) => [id, why]),
      [
        [second, 'size'],
        [third, 'size'],
        [huge, 'size'],
      ],
    );
    assert.equal(quarantine.totalBytes, 0);
  });

  it('tells the bus its count and size as each mail comes in, and as each goes, with the id and why', async () => {
    const bus = new Bus((_name, error) => assert.fail(String(error)));
    const seen: BusEvents['quarantine'][] = [];
    const { quarantine, admit } = await setUp({ ...roomy, maxMails: 2 }, { bus });
    // Each fact agrees with the quarantine as it is at that moment.
    bus.on('quarantine', (fact) =>
      seen.push({ ...fact, count: fact.count === quarantine.count && fact.totalBytes === quarantine.totalBytes ? fact.count : -1 }),
    );
    const first = await admit(100, 'mailparser failed: took longer than 10000 ms');
    assert.deepEqual(seen, [
      { count: 1, totalBytes: 100 + 44, added: { id: first, reason: 'mailparser failed: took longer than 10000 ms' } },
    ]);
    const second = await admit(200);
    const third = await admit(300);
    assert.deepEqual(seen.slice(1), [
      { count: 2, totalBytes: 344, added: { id: second, reason: undefined } },
      { count: 3, totalBytes: 644, added: { id: third, reason: undefined } },
      { count: 2, totalBytes: 500, removed: { id: first, why: 'count' } },
    ]);
  });

  it('removes mails past the age limit when the next one comes, and at open after a restart', async () => {
    const { clock, removed, quarantine, admit, open } = await setUp({ ...roomy, maxAgeMs: 2 * day });
    const old = await admit(100, 'old');
    clock.now += day;
    const younger = await admit(100, 'younger');
    clock.now += day + 30_000; // `old` is now past two days, `younger` not
    const newest = await admit(100);
    assert.deepEqual(removed, [{ id: old, bytes: 103, why: 'age' }]);
    assert.deepEqual(
      quarantine.list().map((mail) => mail.id),
      [younger, newest],
    );
    clock.now += 2 * day - 60_000; // `younger` past its age, `newest` not: counted from the files' times
    const reopened = await open();
    assert.deepEqual(removed.slice(1), [{ id: younger, bytes: 107, why: 'age' }]);
    assert.deepEqual(
      reopened.list().map(({ id, reason }) => [id, reason]),
      [[newest, undefined]],
    );
  });

  it("finds a previous run's mails at open, oldest first by the time they were quarantined, and applies the bounds", async () => {
    const { dir, removed, admit, open, quarantine } = await setUp(roomy);
    const ids = [await admit(100, 'a'), await admit(100, 'b'), await admit(100, 'c')];
    await writeFile(join(dir, 'gone-by-hand.reason'), 'its mail was removed by hand');
    const again = await open();
    assert.deepEqual(again.list(), quarantine.list());
    assert.ok(!(await readdir(dir)).includes('gone-by-hand.reason'), 'a reason without its mail is removed');
    const tighter = new Quarantine(dir, { limits: { ...roomy, maxMails: 1 }, onRemoved: (removal) => removed.push(removal) });
    await tighter.open();
    assert.deepEqual(
      removed.map(({ id, why }) => [id, why]),
      [
        [ids[0], 'count'],
        [ids[1], 'count'],
      ],
    );
    assert.deepEqual(
      tighter.list().map((mail) => mail.id),
      [ids[2]],
    );
  });

  it('gives up its oldest mails while data_dir lacks free space, until the shortfall is won back', async () => {
    const space = { shortfall: 0 };
    const { removed, quarantine, admit } = await setUp(roomy, { shortfall: async () => space.shortfall });
    const ids = [await admit(1000), await admit(1000), await admit(1000), await admit(1000)];
    assert.deepEqual(removed, []);
    space.shortfall = 1500; // two mails make up for it
    await quarantine.makeRoom();
    assert.deepEqual(removed, [
      { id: ids[0], bytes: 1000, why: 'space' },
      { id: ids[1], bytes: 1000, why: 'space' },
    ]);
    space.shortfall = 0;
    await quarantine.makeRoom();
    assert.equal(quarantine.count, 2);
  });
});
