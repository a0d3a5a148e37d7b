// Panel commands from Home Assistant arrive on the bus; the XT1 takes none by mail, so they are logged as today.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Bus } from '../../src/core/bus.js';
import { createLogger } from '../../src/log.js';
import { watchPanelCommands } from '../../src/panel/commands.js';

describe('watchPanelCommands', () => {
  it('logs a panel command as ignored, shortened, and nothing for another target', () => {
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const bus = new Bus(() => undefined);
    watchPanelCommands(bus, createLogger({ level: 'debug', destination }));
    bus.emit('command', { target: 'panel', command: `ARM_AWAY${'x'.repeat(100)}` });
    bus.emit('command', { target: 'siren', command: 'ON' });
    assert.deepEqual(
      logs.map((line) => [line.level, line.msg, line.command]),
      [[40, 'the XT1 cannot be armed or disarmed by mail: command ignored', `ARM_AWAY${'x'.repeat(32)}`]],
    );
  });
});
