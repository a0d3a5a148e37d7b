// StateFile: the newest value wins, writes never overlap, and what was written survives a new instance.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StateFile } from '../../src/spool/state-file.js';

describe('StateFile', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-state-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads nothing before the first write', async () => {
    assert.equal(await new StateFile(join(dir, 'none.json')).read(), undefined);
  });

  it('keeps the newest of many writes made at once', async () => {
    const file = new StateFile<{ n: number }>(join(dir, 'many.json'));
    await Promise.all(Array.from({ length: 50 }, (_, n) => file.write({ n })));
    assert.deepEqual(await new StateFile(join(dir, 'many.json')).read(), { n: 49 });
  });

  it('with an interval, writes the first value at once and the newest of the next ones once the interval is over', async () => {
    const path = join(dir, 'paced.json');
    const file = new StateFile<{ n: number }>(path, { minIntervalMs: 60_000 });
    const onDisk = () => new StateFile<{ n: number }>(path).read();
    await file.write({ n: 0 });
    assert.deepEqual(await onDisk(), { n: 0 });
    const later = [1, 2, 3].map((n) => file.write({ n }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await onDisk(), { n: 0 }, 'not within the interval');
    await file.close(); // a close writes what waits at once
    await Promise.all(later);
    assert.deepEqual(await onDisk(), { n: 3 });
  });
});
