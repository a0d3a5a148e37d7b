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

  it('ends a sleep when its time is up', async () => {
    await new WakeSignal().sleep(1);
  });
});
