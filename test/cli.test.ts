// The command line as a user meets it: --help, and a bad configuration as one clear line with exit code 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', bin, ...args], { env: { PATH: process.env.PATH, OPTIONS_FILE: '/nonexistent/options.json' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('alarm-mail-bridge command', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'amb-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('explains itself with --help', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--config FILE/);
    assert.match(stdout, /ALARM_MAIL_BRIDGE_MQTT_PASSWORD/);
  });

  it('stops with exit code 1 and one line naming the key when the configuration is wrong', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'smtp:\n  prot: 25\n');
    const { code, stderr } = await run(['--config', file]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /unknown key "smtp\.prot"/);
  });

  it('names a missing configuration file', async () => {
    const { code, stderr } = await run(['--config', join(dir, 'missing.yaml')]);
    assert.equal(code, 1);
    assert.match(stderr, /missing\.yaml: file not found/);
  });
});
