// The bridge's own memory settings, however it is started: a process without them replaces itself with one that has
// them (same pid), and what a user set is kept. The relaunch needs process.execve (Node 22.15 and newer).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tunedStart } from '../src/launcher.js';
import { BridgeProcess } from './helpers/bridge-process.js';

const started = (execArgv: string[], env: NodeJS.ProcessEnv = {}, glibc = true) =>
  tunedStart({ execPath: '/usr/bin/node', execArgv, argv: ['/usr/bin/node', '/app/bin.js', '--config', 'c.yaml'], env }, glibc);

describe('launcher', () => {
  it('adds the young generation and the malloc threshold, keeping options and arguments', () => {
    const tuned = started(['--import', 'tsx'], { PATH: '/bin' });
    assert.deepEqual(tuned?.args, ['/usr/bin/node', '--import', 'tsx', '--max-semi-space-size=2', '/app/bin.js', '--config', 'c.yaml']);
    assert.equal(tuned?.env.MALLOC_MMAP_THRESHOLD_, '131072');
    assert.equal(tuned?.env.PATH, '/bin');
  });

  it("keeps the user's own values", () => {
    const tuned = started(['--max-semi-space-size=8'], { MALLOC_MMAP_THRESHOLD_: '65536' });
    assert.equal(tuned, undefined, 'both set: runs as it is');
    const fromNodeOptions = started([], { NODE_OPTIONS: '--max-semi-space-size=4' });
    assert.deepEqual(fromNodeOptions?.args, ['/usr/bin/node', '/app/bin.js', '--config', 'c.yaml']);
    assert.equal(started([], { MALLOC_MMAP_THRESHOLD_: '65536' })?.env.MALLOC_MMAP_THRESHOLD_, '65536');
  });

  it('on musl (the add-on), needs only the flag: no malloc variable, and no relaunch when the flag is given', () => {
    const tuned = started([], {}, false);
    assert.deepEqual(tuned?.args, ['/usr/bin/node', '--max-semi-space-size=2', '/app/bin.js', '--config', 'c.yaml']);
    assert.equal(tuned?.env.MALLOC_MMAP_THRESHOLD_, undefined);
    assert.equal(started(['--max-semi-space-size=2'], {}, false), undefined);
  });

  it('relaunches once only, even when the settings did not take', () => {
    const tuned = started([]);
    assert.ok(tuned);
    assert.equal(started([], tuned.env), undefined);
  });

  describe('a bridge started without them', { skip: typeof process.execve !== 'function' && 'this Node has no process.execve' }, () => {
    let dataDir: string;
    let bridge: BridgeProcess;
    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'amb-launcher-'));
      bridge = await BridgeProcess.create(dataDir, 'mqtt://127.0.0.1:1');
      await bridge.start();
    });
    after(async () => {
      await bridge.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('runs with them under the same pid', async () => {
      const cmdline = (await readFile(`/proc/${bridge.pid}/cmdline`, 'utf8')).split('\0');
      const environ = (await readFile(`/proc/${bridge.pid}/environ`, 'utf8')).split('\0');
      assert.ok(cmdline.includes('--max-semi-space-size=2'), cmdline.join(' '));
      assert.ok(environ.includes('MALLOC_MMAP_THRESHOLD_=131072'));
    });
  });
});
