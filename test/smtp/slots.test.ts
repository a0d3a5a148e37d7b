// Slot rules with a hand-moved clock: who is admitted, who gives way, who is closed early.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConnectionState, type SlotLimits, Slots } from '../../src/smtp/slots.js';

const limits: SlotLimits = {
  maxClients: 4,
  maxClientsPerAddress: 3,
  greetingTimeoutMs: 10_000,
  stressIdleTimeoutMs: 10_000,
  stressShare: 0.75,
  transactionStallMs: 2000,
  minDataRate: 20_000,
  maxMessageBytes: 10 * 1024 * 1024,
};

const silent: ConnectionState = { greeted: false, inTransaction: false, dataBytes: 0, messageComplete: false };
const greeted: ConnectionState = { ...silent, greeted: true };
const inTransaction: ConnectionState = { ...greeted, inTransaction: true };

function setUp(overrides: Partial<SlotLimits> = {}) {
  let now = 0;
  const slots = new Slots({ ...limits, ...overrides }, () => now);
  const states = new Map<string, ConnectionState>();
  const admit = (id: string, address = `10.0.0.${id}`, state: ConnectionState = silent) => {
    states.set(id, { ...state });
    return slots.admit(id, address, () => states.get(id)!);
  };
  /** The client sends `bytes` more of its message, as smtp-server counts them on the data stream. */
  const receive = (id: string, bytes: number) => (states.get(id)!.dataBytes += bytes);
  return { slots, states, admit, receive, advance: (ms: number) => (now += ms) };
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
    slots.step('1', 'auth'); // 1 took a step towards a mail after 2 connected
    assert.deepEqual(admit('5'), { admitted: true, evicted: '2' });
    assert.deepEqual(admit('6'), { admitted: true, evicted: '3' });
    assert.equal(slots.size, 4);
  });

  it('never evicts a mail transaction that moved within the stall time; 421 when every slot holds one', () => {
    const { admit, states, advance } = setUp();
    for (const id of ['1', '2', '3', '4']) {
      admit(id, undefined, inTransaction);
      advance(400);
    }
    assert.deepEqual(admit('5'), { admitted: false, reason: 'full' }, 'the oldest moved 1.6 s ago');
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
    admit('panel', '192.168.1.50', greeted);
    slots.step('panel', 'auth');
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
    admit('1', undefined, inTransaction);
    admit('2');
    assert.equal(slots.release('2'), false);
    assert.equal(slots.size, 1);
  });
});

describe('Slots: mail transactions that make no progress', () => {
  it('when only mail transactions hold the slots, one stalled for the stall time gives way: from the address holding the most, then the one stalled longest', () => {
    const { slots, admit, advance } = setUp();
    admit('panel', '192.168.1.50', inTransaction);
    advance(100);
    admit('a', '127.0.0.2', inTransaction);
    admit('b', '127.0.0.2', inTransaction);
    admit('c', '127.0.0.3', inTransaction);
    advance(1899);
    assert.deepEqual(admit('x', '127.0.0.4', inTransaction), { admitted: false, reason: 'full' }, 'the panel moved 1.999 s ago');
    advance(101);
    assert.deepEqual(admit('x', '127.0.0.4', inTransaction), { admitted: true, evicted: 'a' }, '127.0.0.2 holds two slots');
    assert.deepEqual(admit('y', '127.0.0.5', inTransaction), { admitted: true, evicted: 'panel' }, 'stalled longest, 2.1 s');
    assert.equal(slots.size, 4);
  });

  it('a connection outside a mail transaction gives way before a stalled transaction', () => {
    const { admit, advance } = setUp();
    admit('1', '127.0.0.2', inTransaction);
    admit('2', '127.0.0.2', inTransaction);
    admit('3', '127.0.0.2', inTransaction);
    advance(1000);
    admit('4', '192.168.1.50', greeted);
    advance(60_000);
    assert.deepEqual(admit('5', '127.0.0.3'), { admitted: true, evicted: '4' });
  });

  it('MAIL FROM, RCPT and DATA are progress; NOOPs and single bytes are not; a message all in never gives way', () => {
    const { slots, admit, states, receive, advance } = setUp();
    for (const [n, id] of ['drip', 'fast', 'rcpt', 'storing'].entries()) admit(id, `127.0.0.${2 + n}`, inTransaction);
    for (let second = 1; second <= 3; second++) {
      advance(1000);
      receive('drip', 1); // NOOPs meanwhile call nothing here
      receive('fast', 24_000);
      if (second === 2) slots.step('rcpt', 'rcpt');
      assert.deepEqual(slots.expired(), [], 'the sweep looks every second');
    }
    receive('storing', 4000);
    states.get('storing')!.messageComplete = true;
    assert.deepEqual(admit('x', '127.0.0.10', inTransaction), { admitted: true, evicted: 'drip' }, '3 bytes in 3 s');
    assert.deepEqual(admit('y', '127.0.0.11', inTransaction), { admitted: false, reason: 'full' }, 'the RCPT was 1 s ago');
    advance(1000);
    receive('fast', 24_000);
    assert.deepEqual(admit('y', '127.0.0.11', inTransaction), { admitted: true, evicted: 'rcpt' });
    advance(60_000); // the bridge is slow to store the mail that is all in: that wait is ours
    const evicted = ['z1', 'z2', 'z3']
      .map((id, n) => admit(id, `127.0.0.${20 + n}`, inTransaction))
      .map((admission) => (admission as { evicted?: string }).evicted);
    assert.deepEqual(evicted.sort(), ['fast', 'x', 'y'], 'the fast one too, once it stopped sending');
    assert.deepEqual(admit('z4', '127.0.0.30', inTransaction), { admitted: false, reason: 'full' });
    assert.equal(slots.heldBy('127.0.0.5'), 1, 'the message all in, waiting for its 250, holds its slot');
  });

  it('during DATA, a client below the data rate falls behind, one at the rate never does, however seldom the slots look', () => {
    const { admit, receive, advance } = setUp({ maxClients: 2 });
    admit('slow', '127.0.0.2', inTransaction);
    admit('steady', '127.0.0.3', inTransaction);
    for (let second = 1; second <= 10; second++) {
      advance(1000);
      receive('slow', 16_000);
      receive('steady', 20_000);
    }
    assert.deepEqual(
      admit('x', '127.0.0.4', inTransaction),
      { admitted: true, evicted: 'slow' },
      '160,000 bytes are 8 s of progress: 2 s behind',
    );
    for (let second = 1; second <= 50; second++) {
      advance(1000);
      receive('steady', 20_000);
      receive('x', 1);
    }
    assert.deepEqual(admit('y', '127.0.0.5', inTransaction), { admitted: true, evicted: 'x' });
  });

  it('a loop of RSET, MAIL FROM and RCPT is no progress: each step counts once until a mail completes, so a relay sending mail after mail keeps its slot', () => {
    const { slots, admit, states, receive, advance } = setUp({ maxClients: 2 });
    admit('loop', '127.0.0.2', inTransaction);
    admit('relay', '127.0.0.3', inTransaction);
    for (let second = 1; second <= 10; second++) {
      advance(1000);
      for (const step of ['mail', 'rcpt'] as const) slots.step('loop', step); // each after a RSET
      for (const step of ['mail', 'rcpt', 'data'] as const) slots.step('relay', step);
      receive('relay', 3000);
      slots.completed('relay');
      states.get('relay')!.dataBytes = 0; // its reply is out: the next message stream starts from 0
    }
    assert.deepEqual(
      admit('x', '127.0.0.4', inTransaction),
      { admitted: true, evicted: 'loop' },
      'its first MAIL FROM and RCPT were 9 s ago',
    );
    assert.deepEqual(admit('y', '127.0.0.5', inTransaction), { admitted: false, reason: 'full' }, 'the relay completed a mail just now');
  });

  it('under stress, a loop of RSET, MAIL FROM and RCPT is closed after the stress idle time', () => {
    const { slots, admit, advance } = setUp({ maxClients: 2, stressShare: 1 });
    admit('loop', '127.0.0.2', inTransaction);
    admit('storing', '127.0.0.3', { ...inTransaction, messageComplete: true });
    for (let second = 0; second <= 10; second++) {
      for (const step of ['mail', 'rcpt'] as const) slots.step('loop', step); // each after a RSET
      if (second < 10) assert.deepEqual(slots.expired(), []);
      advance(1000);
    }
    assert.deepEqual(slots.expired(), [{ id: 'loop', reason: 'stress' }], 'its first MAIL FROM and RCPT were 11 s ago');
  });

  it('a relay between two mails, just after its 250, does not give way before a stalled transaction', () => {
    const { slots, admit, states, advance } = setUp({ maxClients: 2 });
    admit('stalled', '127.0.0.2', inTransaction);
    admit('relay', '127.0.0.3', inTransaction);
    advance(5000);
    for (const step of ['mail', 'rcpt', 'data'] as const) slots.step('relay', step);
    slots.completed('relay');
    states.get('relay')!.inTransaction = false; // the 250 is out, its next MAIL FROM is on the way
    advance(1999);
    assert.deepEqual(admit('x', '127.0.0.4', inTransaction), { admitted: true, evicted: 'stalled' });
    assert.deepEqual(admit('y', '127.0.0.5', inTransaction), { admitted: false, reason: 'full' });
    advance(1);
    assert.deepEqual(admit('y', '127.0.0.5', inTransaction), { admitted: true, evicted: 'relay' }, 'idle 2 s after its mail');
  });

  it('AUTH counts once per connection, also after a completed mail (auth: accept_any takes every AUTH)', () => {
    const { slots, admit, advance } = setUp({ maxClients: 1 });
    admit('1', '127.0.0.2', inTransaction);
    advance(1000);
    slots.step('1', 'auth');
    advance(1000);
    slots.completed('1');
    advance(1000);
    slots.step('1', 'auth');
    advance(1000);
    assert.deepEqual(
      admit('x', '127.0.0.3', inTransaction),
      { admitted: true, evicted: '1' },
      'the mail completed 2 s ago, the second AUTH is none',
    );
  });

  it('message bytes must average the LAN rate: 500 bytes/s falls behind; a camera’s burst banks credit for a pause, for as long as it paid for', () => {
    const { admit, receive, advance } = setUp({ maxClients: 2 });
    admit('postfix-rate', '127.0.0.2', inTransaction);
    admit('camera', '127.0.0.3', inTransaction);
    receive('camera', 300_000); // 300 KB of JPEG at once, then nothing: 15 s at the rate
    for (let second = 1; second <= 14; second++) {
      advance(1000);
      receive('postfix-rate', 500);
    }
    assert.deepEqual(admit('x', '127.0.0.4', inTransaction), { admitted: true, evicted: 'postfix-rate' }, '7,000 bytes in 14 s buy 350 ms');
    advance(2900);
    assert.deepEqual(
      admit('y', '127.0.0.5', inTransaction),
      { admitted: true, evicted: 'x' },
      'the camera is silent for 16.9 s but 1.9 s behind',
    );
    advance(100);
    assert.deepEqual(admit('z', '127.0.0.6', inTransaction), { admitted: true, evicted: 'camera' }, '2 s behind');
  });

  it('bytes past max_message_kb buy nothing: a sender at the rate holds its slot for the size of one message', () => {
    const { admit, receive, advance } = setUp({ maxClients: 1, maxMessageBytes: 100_000 });
    admit('endless', '127.0.0.2', inTransaction);
    for (let second = 1; second <= 6; second++) {
      advance(1000);
      receive('endless', 20_000);
    }
    assert.deepEqual(admit('x', '127.0.0.3', inTransaction), { admitted: false, reason: 'full' }, '100,000 bytes are 5 s: 1 s behind');
    advance(1000);
    receive('endless', 20_000);
    assert.deepEqual(admit('x', '127.0.0.3', inTransaction), { admitted: true, evicted: 'endless' });
  });

  it('the panel sending its message is never cut while a flood of stalled transactions churns through the slots', () => {
    const { slots, admit, receive, advance } = setUp({ maxClients: 50, maxClientsPerAddress: 10 });
    let next = 0;
    const flood = () => admit(`flood-${next++}`, `127.0.0.${2 + (next % 5)}`, inTransaction);
    for (let i = 0; i < 49; i++) flood();
    advance(3000);
    admit('panel', '192.168.1.50', inTransaction);
    let evicted = 0;
    for (let i = 0; i < 500; i++) {
      advance(4); // 250 new connections a second
      if (i % 100 < 50) receive('panel', 1000); // bursts of 250 KB/s, then 200 ms of nothing (a congested TCP window)
      const admission = flood();
      if (admission.admitted && admission.evicted) evicted += 1;
      assert.notEqual((admission as { evicted?: string }).evicted, 'panel');
      assert.equal(slots.expired().length, 0);
    }
    assert.ok(evicted > 0, 'stalled flood connections gave way to newer ones');
    assert.equal(slots.heldBy('192.168.1.50'), 1, 'the panel still holds its slot');
  });

  it('under stress, closes a mail transaction without progress after the stress idle time, never one that moves or is all in', () => {
    const { slots, admit, states, receive, advance } = setUp(); // stress from 3 of 4 slots
    for (const id of ['noop', 'drip', 'steady', 'storing']) admit(id, undefined, inTransaction);
    receive('storing', 100_000);
    states.get('storing')!.messageComplete = true;
    for (let second = 1; second < 10; second++) {
      advance(1000);
      receive('drip', 1);
      receive('steady', 20_000);
      assert.deepEqual(slots.expired(), []);
    }
    advance(1100);
    receive('steady', 22_000);
    assert.deepEqual(slots.expired(), [
      // the drip's 9 bytes bought it under half a millisecond
      { id: 'noop', reason: 'stress' },
      { id: 'drip', reason: 'stress' },
    ]);
    assert.equal(slots.stressed, false);
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

  it('under stress, closes connections without progress, longest first, until the stress is over', () => {
    const { slots, admit, states, receive, advance } = setUp(); // stress from 3 of 4 slots
    for (const id of ['1', '2', '3', '4']) {
      admit(id, undefined, greeted);
      advance(1000);
    }
    states.get('1')!.inTransaction = true;
    advance(10_000);
    receive('1', 280_000); // 280,000 bytes of its message in 14 s: the data rate
    slots.step('4', 'mail');
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
    admit('1', undefined, greeted);
    admit('2', undefined, greeted);
    advance(10_000); // NOOPs meanwhile call nothing here
    assert.deepEqual(
      slots.expired().map(({ id }) => id),
      ['1'],
    );
  });
});
