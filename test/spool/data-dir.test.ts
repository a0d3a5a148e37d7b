// data_dir made ready at start, or one clear reason naming the path and what is wrong; never a spin. (main adds the
// setting and the advice: test/cli.test.ts checks the whole line.)
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataDirUnusable, prepareDataDir } from '../../src/spool/data-dir.js';

describe('prepareDataDir', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'amb-data-dir-'));
    await writeFile(join(dir, 'a-file'), 'x');
    await symlink(join(dir, 'nothing-here'), join(dir, 'dangling'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function failure(dataDir: string): Promise<DataDirUnusable> {
    const error = await prepareDataDir(dataDir).then(
      () => assert.fail(`${dataDir} accepted`),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof DataDirUnusable, String(error));
    assert.doesNotMatch(error.message, /\n/);
    return error;
  }

  it('creates missing parents', async () => {
    await prepareDataDir(join(dir, 'new', 'deeper', 'data'));
    assert.ok(statSync(join(dir, 'new', 'deeper', 'data')).isDirectory());
  });

  it('fails at once under /proc, where Node’s recursive mkdir spins for ever', async () => {
    const error = await failure('/proc/amb-test/data');
    assert.match(error.message, /^cannot be created: \/proc exists but cannot hold folders \(ENOENT/);
    assert.equal(error.code, 'ENOENT');
  });

  it('fails through a link to nothing instead of spinning', async () => {
    assert.match((await failure(join(dir, 'dangling', 'data'))).message, /dangling exists but cannot hold folders/);
    assert.match((await failure(join(dir, 'dangling'))).message, /is a link to something that does not exist/);
  });

  it('names a file in the way', async () => {
    assert.match((await failure(join(dir, 'a-file'))).message, /a-file is a file, not a folder/);
    assert.match((await failure(join(dir, 'a-file', 'data'))).message, /is a file, not a folder \(ENOTDIR\)/);
  });
});
