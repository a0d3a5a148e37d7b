// `raise`: a draft is durable in the spool before it counts as raised, and its record kind turns it back into the
// event the outputs get (id from the spool, time of raising, input `raised`, no mail fields).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RaisedEventDraft } from '../../src/core/event.js';
import { raisedKind } from '../../src/pipeline/kinds/raised.js';
import { raiser } from '../../src/pipeline/raise.js';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import type { SpoolRecord } from '../../src/spool/spool.js';

const silent: RaisedEventDraft = {
  source: 'supervision',
  category: 'trouble',
  type: 'source_silent',
  text: 'Panel silent for 25 hours',
  details: { silent_hours: 25 },
};

describe('raise', () => {
  let dataDir: string;
  let spool: JournalSpool;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'amb-raise-'));
    spool = new JournalSpool(dataDir);
    await spool.open();
  });
  after(async () => {
    await spool.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resolves with the id once the record is in the spool, hands it on, and its kind makes the event of it', async () => {
    const handed: [string, SpoolRecord | undefined][] = [];
    const raise = raiser({ spool, onStored: (id, record) => handed.push([id, record]), now: () => Date.parse('2026-11-21T18:03:12.345Z') });
    const id = await raise(silent);
    assert.ok((await spool.pending()).includes(id), 'durable before it resolves');
    assert.deepEqual(
      handed.map(([handedId]) => handedId),
      [id],
    );
    const { event, unparsable } = await raisedKind().toEvent(await spool.read(id));
    assert.equal(unparsable, undefined);
    assert.deepEqual(event, {
      id,
      time: '2026-11-21T18:03:12.345Z',
      input: 'raised',
      source: 'supervision',
      category: 'trouble',
      type: 'source_silent',
      alarm_state: null,
      zone: null,
      sensor: null,
      user: null,
      text: 'Panel silent for 25 hours',
      details: { silent_hours: 25 },
    });
    assert.ok(!('from' in event) && !('recipients' in event) && !('subject' in event), 'no empty mail fields');
    await spool.retire(id);
  });

  it('refuses a draft the outputs could not take, and stores nothing of it', async () => {
    const raise = raiser({ spool, onStored: () => assert.fail('nothing is handed on') });
    const invalid = [
      { ...silent, category: 'panic' },
      { ...silent, type: 'Source Silent' },
      { ...silent, source: '' },
      { ...silent, text: 'x'.repeat(5000) },
      { ...silent, zone: -1 },
      { ...silent, extra: 1 },
    ] as unknown as RaisedEventDraft[];
    for (const draft of invalid) await assert.rejects(raise(draft), { name: 'RaisedEventInvalid' }, JSON.stringify(draft).slice(0, 80));
    assert.deepEqual(await spool.pending(), []);
  });
});
