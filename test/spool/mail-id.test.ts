// Mail ids sort in the order they are given: the spool's replay order is the order mails were accepted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { continueAfter, newMailId } from '../../src/spool/mail-id.js';

describe('newMailId', () => {
  it('sorts in the order given within one millisecond and when the clock is set back', () => {
    const now = Date.now() + 60_000; // after any id other tests gave
    const ids = [new Date(now), new Date(now), new Date(now - 2_000), new Date(now - 3_600_000), new Date(now + 1)].map((time) => newMailId(time));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('continues after the newest id in the spool when the clock is behind it at start', () => {
    const newest = '29991231T235959999Z-000007-0badc0de'; // written before a reboot that set the clock back
    continueAfter(newest);
    const next = newMailId(new Date());
    assert.ok(next > newest, `${next} sorts after ${newest}`);
    assert.match(next, /^29991231T235959999Z-000008-[0-9a-f]{8}$/);
  });
});
