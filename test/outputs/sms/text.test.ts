// SMS text: segments (GSM-7 160/153, UCS-2 70/67, two units for the extension table), GSM-friendly
// punctuation and cutting with an ellipsis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSegments, fitToParts, toGsmFriendly } from '../../../src/outputs/sms/text.js';

describe('countSegments', () => {
  const table: [text: string, encoding: string, units: number, parts: number][] = [
    ['', 'GSM-7', 0, 1],
    ['Zone:2 Tür Süd, Bäder ÖG ß', 'GSM-7', 26, 1],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['[a]{b}~^|\\', 'GSM-7', 18, 1],
    ['„Alarm“', 'UCS-2', 7, 1],
    ['ł'.repeat(70), 'UCS-2', 70, 1],
    ['ł'.repeat(71), 'UCS-2', 71, 2],
    ['ł'.repeat(134), 'UCS-2', 134, 2],
    ['ł'.repeat(135), 'UCS-2', 135, 3],
    ['🚨 Alarm', 'UCS-2', 8, 1],
  ];
  for (const [text, encoding, units, parts] of table) {
    it(`${JSON.stringify(text.length > 20 ? `${text.slice(0, 12)}…(${text.length})` : text)} → ${encoding}, ${units} units, ${parts} part(s)`, () => {
      assert.deepEqual(countSegments(text), { encoding, units, parts });
    });
  }
});

describe('toGsmFriendly', () => {
  it('replaces typographic quotes, dashes and ellipses, keeping umlauts', () => {
    const friendly = toGsmFriendly('„Tür“ – ‚Süd‘ — offen…');
    assert.equal(friendly, '"Tür" - \'Süd\' - offen...');
    assert.equal(countSegments(friendly).encoding, 'GSM-7');
  });
});

describe('fitToParts', () => {
  it('leaves a text that fits', () => assert.equal(fitToParts('Alarm', 1), 'Alarm'));

  it('cuts a GSM-7 text to the parts allowed, ending in "..."', () => {
    const cut = fitToParts('Alarm '.repeat(100), 3);
    assert.ok(cut.endsWith('...'));
    assert.deepEqual([countSegments(cut).parts, countSegments(cut).encoding], [3, 'GSM-7']);
    assert.ok(countSegments(`${cut}x`).units > 3 * 153 - 6, 'uses nearly all the room');
  });

  it('cuts a UCS-2 text with "…" and counts € twice in GSM-7', () => {
    const cut = fitToParts('🚨 Einbruch '.repeat(40), 2);
    assert.ok(cut.endsWith('…'));
    assert.equal(countSegments(cut).parts, 2);
    assert.equal(countSegments(fitToParts('€'.repeat(200), 1)).parts, 1);
  });
});
