// Flood limits with an injected clock: per-number hourly limit, and identical texts within 60 s once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FloodGate } from '../../../src/outputs/outbox/flood-gate.js';

describe('FloodGate', () => {
  it('holds the message past max_per_hour to one number, not to another, until the hour has passed', () => {
    let now = 0;
    const gate = new FloodGate(3, () => now);
    for (let index = 0; index < 3; index++) {
      assert.equal(gate.decide('+491', `text ${index}`), 'send');
      gate.record('+491', `text ${index}`);
      now += 60_000;
    }
    assert.equal(gate.decide('+491', 'text 3'), 'hold');
    assert.equal(gate.decide('+492', 'text 3'), 'send');
    assert.equal(gate.nextSlot('+491'), 3_600_000);
    now = 3_600_001;
    assert.equal(gate.decide('+491', 'text 3'), 'send');
  });

  it('sends an identical text to the same number once within 60 s', () => {
    let now = 0;
    const gate = new FloodGate(10, () => now);
    gate.record('+491', 'Alarm');
    now = 59_000;
    assert.equal(gate.decide('+491', 'Alarm'), 'duplicate');
    assert.equal(gate.decide('+492', 'Alarm'), 'send');
    assert.equal(gate.decide('+491', 'Alarm 2'), 'send');
    now = 60_001;
    assert.equal(gate.decide('+491', 'Alarm'), 'send');
  });
});
