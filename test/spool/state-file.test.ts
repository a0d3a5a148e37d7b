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
});
