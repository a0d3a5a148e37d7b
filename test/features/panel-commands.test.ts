// Arm and disarm requests for the panel arrive as typed commands; the XT1 takes none by mail, so each is answered
// `refused` with the reason (shown in Home Assistant) and logged. Commands of other entities are not its business.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Bus, type CommandResult } from '../../src/core/bus.js';
import { EntityRegistry } from '../../src/core/entities.js';
import { startFeatures } from '../../src/features/host.js';
import { panelCommandRefusal, panelCommandsModule } from '../../src/features/panel-commands/module.js';
import { createLogger } from '../../src/log.js';
import { unusedBridgeView } from '../helpers/bridge-view.js';

describe('panel commands', () => {
  it("answers a panel command with refused and the reason, logs it, and leaves other entities' commands alone", async () => {
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const bus = new Bus(() => undefined);
    const results: CommandResult[] = [];
    bus.on('commandResult', (result) => results.push(result));
    const running = await startFeatures([panelCommandsModule], () => undefined, {
      log: createLogger({ level: 'debug', destination }),
      bus,
      dataDir: '/nonexistent',
      entities: new EntityRegistry(bus),
      bridge: unusedBridgeView(),
      raise: () => Promise.reject(new Error('not here')),
    });
    bus.emit('command', { commandId: 'c1', entity: 'panel_alarm', command: 'ARM_AWAY' });
    bus.emit('command', { commandId: 'c2', entity: 'acknowledge', command: 'PRESS' });
    // Anyone on the broker may send these: within a minute the next one is answered the same, but logged at debug.
    bus.emit('command', { commandId: 'c4', entity: 'panel_alarm', command: 'ARM_HOME' });
    await running.stop();
    bus.emit('command', { commandId: 'c3', entity: 'panel_alarm', command: 'DISARM' });
    assert.deepEqual(results, [
      { commandId: 'c1', entity: 'panel_alarm', command: 'ARM_AWAY', result: 'refused', reason: panelCommandRefusal },
      { commandId: 'c4', entity: 'panel_alarm', command: 'ARM_HOME', result: 'refused', reason: panelCommandRefusal },
    ]);
    assert.deepEqual(
      logs.filter((line) => line.component === 'panel_commands').map((line) => [line.level, line.msg, line.command]),
      [
        [40, 'the XT1 cannot be armed or disarmed by mail: command refused', 'ARM_AWAY'],
        [20, 'the XT1 cannot be armed or disarmed by mail: command refused', 'ARM_HOME'],
      ],
    );
  });
});
