// Slot rules with a hand-moved clock: who is admitted, who gives way, who is closed early.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Slots, type ConnectionState, type SlotLimits } from '../../src/smtp/slots.js';

const limits: SlotLimits = { maxClients: 4, maxClientsPerAddress: 3, greetingTimeoutMs: 10_000, stressIdleTimeoutMs: 10_000, stressShare: 0.75 };

function setUp(overrides: Partial<SlotLimits> = {}) {
  let now = 0;
  const slots = new Slots({ ...limits, ...overrides }, () => now);
  const states = new Map<string, ConnectionState>();
  const admit = (id: string, address = `10.0.0.${id}`, state: ConnectionState = { greeted: false, inTransaction: false }) => {
    states.set(id, { ...state });
    return slots.admit(id, address, () => states.get(id)!);
  };
  return { slots, states, admit, advance: (ms: number) => (now += ms) };
}

describe('Slots.admit', () => {
  it('admits up to max_clients without evicting anyone', () => {
    const { slots, admit } = setUp();
    for (const id of ['1', '2', '3', '4']) assert.deepEqual(admit(id), { admitted: true });
    assert.equal(slots.size, 4);
  });

  it('when full, the connection longest without progress gives way, and its slot goes to the newcomer', () => {
    const { slots, admit, advance } = setUp();
    for (const id of ['1', '2', '3', '4']) {
      admit(id);
      advance(1000);
    }
    slots.progress('1'); // 1 took a step (AUTH, MAIL FROM, RCPT) after 2 connected
    assert.deepEqual(admit('5'), { admitted: true, evicted: '2' });
    assert.deepEqual(admit('6'), { admitted: true, evicted: '3' });
    assert.equal(slots.size, 4);
  });

  it('never evicts a connection in a mail transaction; 421 when every slot holds one', () => {
    const { admit, states, advance } = setUp();
    for (const id of ['1', '2', '3', '4']) {
      admit(id, undefined, { greeted: true, inTransaction: true });
      advance(1000);
    }
    assert.deepEqual(admit('5'), { admitted: false, reason: 'full' });
    states.get('3')!.inTransaction = false; // its mail is done (or RSET)
    assert.deepEqual(admit('5'), { admitted: true, evicted: '3' });
  });

  it('refuses past the per-address limit even when an idle connection could give way', () => {
    const { slots, admit } = setUp();
    for (const id of ['1', '2', '3']) admit(id, '192.168.1.9');
    assert.deepEqual(admit('4', '192.168.1.9'), { admitted: false, reason: 'address' });
    assert.equal(slots.heldBy('192.168.1.9'), 3);
  });

  it('a flood that keeps opening connections pushes out its own, never the panel between EHLO and MAIL FROM', () => {
    const { slots, admit, advance } = setUp({ maxClients: 50, maxClientsPerAddress: 10 });
    let next = 0;
    const flood = () => admit(`flood-${next++}`, `127.0.0.${2 + (next % 5)}`);
    for (let i = 0; i < 49; i++) flood();
    advance(1000);
    admit('panel', '192.168.1.50', { greeted: true, inTransaction: false });
    slots.progress('panel'); // AUTH
    for (let i = 0; i < 500; i++) {
      advance(4); // 250 new connections a second
      const admission = flood();
      assert.equal(admission.admitted, true);
      assert.notEqual((admission as { evicted?: string }).evicted, 'panel');
    }
    assert.equal(slots.heldBy('192.168.1.50'), 1, 'the panel still holds its slot');
  });

  it('counts an evicted connection off its address at once, also when it is the newcomer’s own', () => {
    const { slots, admit, advance } = setUp();
    admit('1', '192.168.1.9');
    advance(1);
    admit('2', '192.168.1.9');
    admit('3', '192.168.1.7');
    admit('4', '192.168.1.7');
    advance(1);
    assert.deepEqual(admit('5', '192.168.1.9'), { admitted: true, evicted: '1' });
    assert.equal(slots.heldBy('192.168.1.9'), 2, 'one left, one came');
    assert.equal(slots.release('1'), false, 'the close of the evicted connection counts nothing twice');
    assert.equal(slots.heldBy('192.168.1.9'), 2);
    assert.equal(slots.release('5'), true);
    assert.equal(slots.heldBy('192.168.1.9'), 1);
  });

  it('a refused connection holds nothing', () => {
    const { slots, admit } = setUp({ maxClients: 1 });
    admit('1', undefined, { greeted: true, inTransaction: true });
    admit('2');
    assert.equal(slots.release('2'), false);
    assert.equal(slots.size, 1);
  });
});

describe('Slots.expired', () => {
  it('closes a connection that has not said HELO/EHLO within the greeting time, stress or not', () => {
    const { slots, admit, states, advance } = setUp();
    admit('1');
    admit('2');
    advance(9_999);
    assert.deepEqual(slots.expired(), []);
    states.get('2')!.greeted = true;
    advance(1);
    assert.deepEqual(slots.expired(), [{ id: '1', reason: 'greeting' }]);
    assert.equal(slots.size, 1, 'its slot is free at once');
    advance(60_000);
    assert.deepEqual(slots.expired(), [], 'a greeted connection idles as long as smtp-server allows while there is room');
  });

  it('under stress, closes connections without progress outside a transaction, longest first, until the stress is over', () => {
    const { slots, admit, states, advance } = setUp(); // stress from 3 of 4 slots
    for (const id of ['1', '2', '3', '4']) {
      admit(id, undefined, { greeted: true, inTransaction: false });
      advance(1000);
    }
    states.get('1')!.inTransaction = true;
    advance(10_000);
    slots.progress('4');
    assert.deepEqual(slots.expired(), [
      { id: '2', reason: 'stress' },
      { id: '3', reason: 'stress' },
    ]);
    assert.equal(slots.stressed, false);
    advance(60_000);
    assert.deepEqual(slots.expired(), [], 'no stress, no early close');
  });

  it('NOOPs are no progress: a connection that only NOOPs is cut under stress', () => {
    const { slots, admit, advance } = setUp({ maxClients: 2, stressShare: 1 });
    admit('1', undefined, { greeted: true, inTransaction: false });
    admit('2', undefined, { greeted: true, inTransaction: false });
    advance(10_000); // NOOPs meanwhile call nothing here
    assert.deepEqual(slots.expired().map(({ id }) => id), ['1']);
  });
});
