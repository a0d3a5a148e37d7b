// Every command from Home Assistant gets a result: one that no part answers in time is refused, and no more than a
// bounded number wait at once (anyone on the broker may send commands).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult } from '../../../src/core/bus.js';
import { CommandDeadlines, commandAnswerMs } from '../../../src/outputs/mqtt/commands.js';

const command = (commandId: string) => ({ commandId, entity: 'acknowledge', command: 'PRESS' });

describe('CommandDeadlines', () => {
  it('refuses a command nobody answered in time, and only that one', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const results: CommandResult[] = [];
    const deadlines = new CommandDeadlines((result) => results.push(result));
    assert.ok(deadlines.expect(command('answered')));
    assert.ok(deadlines.expect(command('forgotten')));
    deadlines.answered('answered');
    t.mock.timers.tick(commandAnswerMs - 1);
    assert.deepEqual(results, []);
    t.mock.timers.tick(1);
    assert.deepEqual(results, [{ ...command('forgotten'), result: 'refused', reason: `no answer within ${commandAnswerMs / 1000} s` }]);
    deadlines.close();
  });

  it('lets no more than 100 wait at once, and forgets them all at close', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const results: CommandResult[] = [];
    const deadlines = new CommandDeadlines((result) => results.push(result));
    for (let index = 0; index < 100; index++) assert.ok(deadlines.expect(command(`c${index}`)));
    assert.equal(deadlines.expect(command('one too many')), false);
    deadlines.close();
    t.mock.timers.tick(commandAnswerMs);
    assert.deepEqual(results, []);
  });
});
