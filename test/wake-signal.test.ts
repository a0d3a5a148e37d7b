// WakeSignal: a wake that comes while the worker is busy is not lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WakeSignal } from '../src/wake-signal.js';

describe('WakeSignal', () => {
  it('returns at once from a sleep when a wake came before it, once', async () => {
    const signal = new WakeSignal();
    signal.wake();
    await signal.sleep();
    let woken = false;
    const sleeping = signal.sleep().then(() => (woken = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, false, 'the earlier wake was used up');
    signal.wake();
    await sleeping;
    assert.equal(woken, true);
  });

  it('ends a sleep when its time is up, not before', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let woken = false;
    void new WakeSignal().sleep(1000).then(() => (woken = true));
    t.mock.timers.tick(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, false, 'still asleep 1 ms before its time');
    t.mock.timers.tick(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, true, 'awake when its time is up');
  });

  it('keeps a wake that comes after a sleep ran out for the next sleep', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const signal = new WakeSignal();
    let slept = false;
    void signal.sleep(10).then(() => (slept = true));
    t.mock.timers.tick(10);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(slept, true);
    signal.wake();
    let woken = false;
    void signal.sleep().then(() => (woken = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, true, 'the wake was kept, not spent on the sleep that had ended');
  });
});
