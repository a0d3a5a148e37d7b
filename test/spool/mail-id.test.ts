// Mail ids sort in the order they are given: the spool's replay order is the order mails were accepted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailIds } from '../../src/spool/mail-id.js';

describe('MailIds', () => {
  it('sorts in the order given within one millisecond and when the clock is set back', () => {
    const ids = new MailIds();
    const now = Date.now();
    const given = [new Date(now), new Date(now), new Date(now - 2_000), new Date(now - 3_600_000), new Date(now + 1)].map((time) =>
      ids.next(time),
    );
    assert.deepEqual([...given].sort(), given);
    assert.equal(new Set(given).size, given.length);
  });

  it('continues after the newest id in the spool when the clock is behind it at start', () => {
    const ids = new MailIds();
    const newest = '29991231T235959999Z-000007-0badc0de'; // written before a reboot that set the clock back
    ids.continueAfter(newest);
    const next = ids.next(new Date());
    assert.ok(next > newest, `${next} sorts after ${newest}`);
    assert.match(next, /^29991231T235959999Z-000008-[0-9a-f]{8}$/);
  });

  it('belongs to one spool: a generator that continued far ahead leaves another one on the clock', () => {
    const ahead = new MailIds();
    ahead.continueAfter('29991231T235959999Z-000007-0badc0de');
    const other = new MailIds();
    assert.ok(other.next(new Date()) < '2999', 'a second generator is not pushed into the year 2999');
  });
});
