// One bridge per data_dir: a second process on it refuses to start with one line naming data_dir and the first's
// pid (two would replay the same spool and send every SMS twice); a first killed with SIGKILL leaves no lock behind.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BridgeProcess } from '../helpers/bridge-process.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sendMail } from '../helpers/smtp-client.js';

describe('two bridges on one data_dir', () => {
  let broker: Mosquitto;
  let dir: string;
  const bridges: BridgeProcess[] = [];

  before(async () => {
    broker = await Mosquitto.start();
    dir = await mkdtemp(join(tmpdir(), 'amb-lock-'));
  });
  after(() =>
    cleanUp(
      ...bridges.map((bridge) => () => bridge.stop()),
      () => broker.stop(),
      () => rm(dir, { recursive: true, force: true }),
    ),
  );

  it('refuses the second with one line naming data_dir and the first pid; the first keeps working; after kill -9 a new one starts', async () => {
    const dataDir = join(dir, 'shared');
    const first = await BridgeProcess.create(dataDir, broker.url, 'first.yaml');
    const second = await BridgeProcess.create(dataDir, broker.url, 'second.yaml');
    bridges.push(first, second);
    await first.start();

    await assert.rejects(second.start(), /exited with 1/);
    assert.equal(second.exitCode, 1);
    const fatal = second.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; stack?: string; err?: unknown })
      .filter((line) => line.level === 60);
    assert.equal(fatal.length, 1, second.output);
    assert.equal(fatal[0]?.err, undefined, 'no stack for a known start failure');
    assert.match(
      fatal[0]?.msg ?? '',
      new RegExp(
        `^cannot start: data_dir ${dataDir}: already used by another Alarm Mail Bridge \\(pid ${first.pid}\\): stop the other bridge`,
      ),
    );

    assert.match(
      (await sendMail(first.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' })).response,
      /^250 /,
      'the first keeps taking mail',
    );

    await first.kill();
    // No waiting for a stale period: the kernel closed the dead bridge's lock socket.
    await second.start();
    assert.match(
      (await sendMail(second.smtpPort, { to: 'alarm@bridge.local', body: 'Zone:1 Terrasse, Innenbereich Alarm' })).response,
      /^250 /,
    );
  });
});
