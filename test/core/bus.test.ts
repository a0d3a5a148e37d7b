// The bus: a listener that throws (or rejects) is reported and skipped; the emitter and the other listeners go on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bus } from '../../src/core/bus.js';

describe('Bus', () => {
  it('never throws a listener error into the emitter, and still calls the other listeners', () => {
    const failures: [string, unknown][] = [];
    const bus = new Bus((name, error) => failures.push([name, error]));
    const seen: string[] = [];
    bus.on('mailRefused', () => {
      throw new Error('broken observer');
    });
    bus.on('mailRefused', ({ code }) => seen.push(`second ${code}`));
    assert.doesNotThrow(() => bus.emit('mailRefused', { code: 550, reason: 'No such recipient here', remote: '192.168.1.20' }));
    assert.deepEqual(seen, ['second 550']);
    assert.deepEqual(
      failures.map(([name, error]) => [name, (error as Error).message]),
      [['mailRefused', 'broken observer']],
    );
  });

  it('reports an async listener that rejects instead of leaving an unhandled rejection', async () => {
    const reported = new Promise<unknown>((resolve) => {
      const bus = new Bus((_name, error) => resolve(error));
      // biome-ignore lint/nursery/noMisusedPromises: the test hands the bus an async listener on purpose.
      bus.on('command', async () => {
        await Promise.resolve();
        throw new Error('async observer failed');
      });
      bus.emit('command', { commandId: 'c1', entity: 'panel_alarm', command: 'ARM_AWAY' });
    });
    assert.equal(((await reported) as Error).message, 'async observer failed');
  });

  it('survives a failing error reporter too, and still calls the other listeners', () => {
    const reported: string[] = [];
    const bus = new Bus((name) => {
      reported.push(name);
      throw new Error('log stream closed');
    });
    const seen: string[] = [];
    bus.on('panelState', () => {
      throw new Error('broken observer');
    });
    bus.on('panelState', ({ state }) => seen.push(state));
    assert.doesNotThrow(() => bus.emit('panelState', { state: 'disarmed', since: '' }));
    assert.deepEqual(reported, ['panelState'], 'the broken observer reached the reporter');
    assert.deepEqual(seen, ['disarmed']);
  });

  it('stops calling a listener once it unsubscribed', () => {
    const bus = new Bus(() => undefined);
    const seen: string[] = [];
    const off = bus.on('command', ({ command }) => seen.push(command));
    bus.emit('command', { commandId: 'c1', entity: 'panel_alarm', command: 'ARM_HOME' });
    off();
    bus.emit('command', { commandId: 'c1', entity: 'panel_alarm', command: 'DISARM' });
    assert.deepEqual(seen, ['ARM_HOME']);
  });
});
