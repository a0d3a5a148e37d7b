// The reserve of free space: how large it is, one reading a second at most, the quarantine asked for space before
// the reserve counts as short, and one log line per episode. Free space and clock are the test's.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { DiskReserve, freeSpaceOf, reserveFor } from '../../src/spool/disk-reserve.js';

const mb = 1024 * 1024;

function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination, format: 'json' }), lines };
}

describe('reserveFor', () => {
  it('keeps room for two of the largest mails, at least 20 MB, at most a quarter of the disk', () => {
    assert.equal(reserveFor(10 * mb, 32 * 1024 * mb), 20 * mb);
    assert.equal(reserveFor(1 * mb, 32 * 1024 * mb), 20 * mb);
    assert.equal(reserveFor(50 * mb, 32 * 1024 * mb), 100 * mb);
    assert.equal(reserveFor(10 * mb, 48 * mb), 12 * mb);
  });
});

describe('freeSpaceOf', () => {
  it('reads the blocks an unprivileged user may still use', async () => {
    const read = freeSpaceOf('/data', 10 * mb, async () => ({ bsize: 4096, blocks: 1024 * 1024, bfree: 10_000, bavail: 2560 }));
    assert.deepEqual(await read(), { freeBytes: 10 * mb, reserveBytes: 20 * mb, shortfall: 10 * mb });
  });
});

describe('DiskReserve', () => {
  function setUp(freeBytes: number, quarantined: number[] = []) {
    const state = { freeBytes, reads: 0, now: 0 };
    const reserveBytes = 20 * mb;
    const quarantine = {
      mails: [...quarantined],
      get count() {
        return this.mails.length;
      },
      async makeRoom() {
        while (this.mails.length > 0 && state.freeBytes < reserveBytes) state.freeBytes += this.mails.shift()!;
      },
    };
    const freeSpace = async () => {
      state.reads += 1;
      return { freeBytes: state.freeBytes, reserveBytes, shortfall: Math.max(0, reserveBytes - state.freeBytes) };
    };
    const { log, lines } = capturedLog();
    const reserve = new DiskReserve({ freeSpace, quarantine, log, now: () => state.now });
    return { state, quarantine, lines, reserve };
  }

  it('is low below the reserve and logs it once per episode, not per question', async () => {
    const { state, lines, reserve } = setUp(5 * mb);
    assert.equal(await reserve.isLow(), true);
    for (let second = 1; second <= 5; second++) {
      state.now = second * 1000;
      assert.equal(await reserve.isLow(), true);
    }
    state.freeBytes = 30 * mb;
    state.now = 6000;
    assert.equal(await reserve.isLow(), false);
    state.freeBytes = 1 * mb;
    state.now = 7000;
    assert.equal(await reserve.isLow(), true);
    assert.deepEqual(
      lines.map(({ level, msg }) => [level, msg.split(':')[0]]),
      [
        [40, 'free space under data_dir below the reserve'],
        [30, 'free space under data_dir back above the reserve'],
        [40, 'free space under data_dir below the reserve'],
      ],
    );
  });

  it('reads the disk at most once a second, also for many questions at once', async () => {
    const { state, reserve } = setUp(30 * mb);
    await Promise.all(Array.from({ length: 100 }, () => reserve.isLow()));
    state.now = 999;
    assert.equal(await reserve.isLow(), false);
    assert.equal(state.reads, 1);
    state.freeBytes = 1 * mb;
    assert.equal(await reserve.isLow(), false, 'the reading of a moment ago still answers');
    state.now = 1000;
    assert.equal(await reserve.isLow(), true);
    assert.equal(state.reads, 2);
  });

  it('has the quarantine give up mails before it counts as low, and is low only when that is not enough', async () => {
    const { state, quarantine, lines, reserve } = setUp(15 * mb, [3 * mb, 3 * mb, 3 * mb]);
    assert.equal(await reserve.isLow(), false);
    assert.deepEqual(quarantine.mails, [3 * mb], 'two mails gave their space back');
    assert.equal(state.freeBytes, 21 * mb);
    assert.deepEqual(lines, []);
    state.freeBytes = 1 * mb;
    state.now = 1000;
    assert.equal(await reserve.isLow(), true);
    assert.deepEqual(quarantine.mails, []);
  });

  it('counts a disk it cannot read as roomy, and says so once', async () => {
    const { log, lines } = capturedLog();
    const reserve = new DiskReserve({
      freeSpace: () => Promise.reject(new Error('ENOSYS')),
      quarantine: { count: 0, makeRoom: async () => undefined },
      log,
      now: () => 0,
    });
    assert.equal(await reserve.isLow(), false);
    assert.equal(lines.length, 1);
  });
});
