// Telegram's limits: cut with an ellipsis to 4,096 / 1,024 UTF-16 units, never inside an emoji; no empty text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captionLimit, fitToLimit, nonEmpty, textLimit } from '../../../src/outputs/telegram/text.js';

describe('fitToLimit', () => {
  it('keeps what fits and cuts what does not, ellipsis included in the limit', () => {
    const table: [text: string, limit: number, expected: string][] = [
      ['Zone:1 Tür_1 *Süd*', 1024, 'Zone:1 Tür_1 *Süd*'],
      ['a'.repeat(1024), 1024, 'a'.repeat(1024)],
      ['a'.repeat(1025), 1024, `${'a'.repeat(1023)}…`],
      ['abc def', 5, 'abc…'],
      ['🚨🚨🚨', 4, '🚨…'],
    ];
    for (const [text, limit, expected] of table) assert.equal(fitToLimit(text, limit), expected, `${text.slice(0, 20)} / ${limit}`);
  });

  it('fits any text into the text and caption limits', () => {
    for (const text of ['x'.repeat(10_000), '🚨'.repeat(5_000), `${'Tür '.repeat(2_000)}`]) {
      for (const limit of [textLimit, captionLimit]) {
        const fitted = fitToLimit(text, limit);
        assert.ok(fitted.length <= limit && fitted.endsWith('…'), `${fitted.length} > ${limit}`);
        assert.ok(!/[\uD800-\uDBFF]…$/.test(fitted), 'no half emoji');
      }
    }
  });
});

describe('nonEmpty', () => {
  it('replaces a text of blanks only', () => {
    assert.equal(nonEmpty('  \n', 'alarm: intrusion'), 'alarm: intrusion');
    assert.equal(nonEmpty('Alarm', 'x'), 'Alarm');
  });
});
