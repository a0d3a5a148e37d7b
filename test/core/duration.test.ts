import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSchema, optionalDurationSchema, parseDuration } from '../../src/core/duration.js';

describe('durations', () => {
  it('reads seconds, minutes, hours and days', () => {
    assert.deepEqual(['90s', '15m', '25h', '2d', ' 5 m '].map(parseDuration), [90_000, 900_000, 90_000_000, 172_800_000, 300_000]);
  });

  it('refuses what may be a typo', () => {
    for (const text of ['100', '1.5h', '5 hours', '-5m', '', 'm', '5x']) assert.equal(parseDuration(text), undefined, text);
  });

  it('says what it wants, and a lower bound', () => {
    assert.equal(durationSchema().parse('2m'), 120_000);
    assert.match(durationSchema().safeParse('2 minutes').error?.issues[0]?.message ?? '', /"90s"/);
    assert.match(durationSchema(60_000).safeParse('30s').error?.issues[0]?.message ?? '', /at least 60 s/);
  });

  it('takes an empty optional duration as off, and checks any other like a required one', () => {
    const schema = optionalDurationSchema(60_000);
    assert.deepEqual(
      [undefined, '', '  ', '25h'].map((value) => schema.parse(value)),
      [undefined, undefined, undefined, 90_000_000],
    );
    assert.match(schema.safeParse('30s').error?.issues[0]?.message ?? '', /at least 60 s/);
    assert.match(schema.safeParse('soon').error?.issues[0]?.message ?? '', /"90s"/);
  });
});
