// A queue's depth on the bus: at once when quiet, coalesced under a flood (at most one message per queue per
// interval, the last value always told), and the timer released at close. The clock is the test's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BacklogClock, BacklogGauge } from '../../src/core/backlog.js';
import { Bus, type BusEvents } from '../../src/core/bus.js';

/** A clock that moves only when told; due callbacks run as it passes them. */
class TestClock implements BacklogClock {
  time = 0;
  readonly #due: { at: number; callback: () => void }[] = [];
  now = () => this.time;
  schedule = (callback: () => void, ms: number) => {
    const entry = { at: this.time + ms, callback };
    this.#due.push(entry);
    return () => {
      const index = this.#due.indexOf(entry);
      if (index >= 0) this.#due.splice(index, 1);
    };
  };
  get pending(): number {
    return this.#due.length;
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (let next = this.#earliest(until); next; next = this.#earliest(until)) {
      this.#due.splice(this.#due.indexOf(next), 1);
      this.time = next.at;
      next.callback();
    }
    this.time = until;
  }
  #earliest(until: number) {
    return this.#due.filter((entry) => entry.at <= until).sort((a, b) => a.at - b.at)[0];
  }
}

function observed() {
  const bus = new Bus((_name, error) => assert.fail(String(error)));
  const seen: (BusEvents['backlog'] & { at: number })[] = [];
  const clock = new TestClock();
  bus.on('backlog', (backlog) => seen.push({ ...backlog, at: clock.time }));
  return { bus, seen, clock };
}

describe('BacklogGauge', () => {
  it('tells a depth at once when the queue was quiet, and an unchanged depth not again', () => {
    const { bus, seen, clock } = observed();
    const gauge = new BacklogGauge(bus, 'spool', { clock });
    gauge.set(0);
    clock.advance(1000);
    gauge.set(3);
    clock.advance(1000);
    gauge.set(3);
    assert.deepEqual(seen, [
      { queue: 'spool', depth: 0, at: 0 },
      { queue: 'spool', depth: 3, at: 1000 },
    ]);
  });

  it('bounds a flood of 1,000 changes a second to 4 messages a second per queue, the last value told', () => {
    const { bus, seen, clock } = observed();
    const spool = new BacklogGauge(bus, 'spool', { clock });
    const sms = new BacklogGauge(bus, 'outbox/sms', { clock });
    for (let ms = 0; ms < 1000; ms++) {
      spool.set(ms + 1);
      sms.set(1000 - ms);
      clock.advance(1);
    }
    clock.advance(250);
    const ofSpool = seen.filter(({ queue }) => queue === 'spool');
    const ofSms = seen.filter(({ queue }) => queue === 'outbox/sms');
    assert.ok(ofSpool.length <= 5 && ofSms.length <= 5, `${ofSpool.length} and ${ofSms.length} messages for 1,000 changes`);
    assert.deepEqual(
      ofSpool.map(({ at }) => at),
      [0, 250, 500, 750, 1000],
    );
    assert.equal(ofSpool.at(-1)?.depth, 1000);
    assert.equal(ofSms.at(-1)?.depth, 1);
    for (const [earlier, later] of ofSpool.slice(1).map((message, index) => [ofSpool[index]!, message] as const))
      assert.ok(later.at - earlier.at >= 250);
  });

  it('tells the final depth at close without waiting, releases its timer and ignores later depths', () => {
    const { bus, seen, clock } = observed();
    const gauge = new BacklogGauge(bus, 'telegram', { clock });
    gauge.set(5);
    gauge.set(6);
    assert.equal(clock.pending, 1);
    gauge.close();
    assert.equal(clock.pending, 0);
    gauge.set(7);
    clock.advance(1000);
    assert.deepEqual(
      seen.map(({ depth }) => depth),
      [5, 6],
    );
  });
});
