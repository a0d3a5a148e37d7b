// Phone numbers: any common notation in, E.164 out; CM's 00 notation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberInAddress, toCmNotation, toE164 } from '../../src/core/phone.js';

const table: [input: string, region: string, expected: string | undefined][] = [
  ['+49 170 1234567', 'DE', '+491701234567'],
  ['0170 1234567', 'DE', '+491701234567'],
  ['0049 170 1234567', 'DE', '+491701234567'],
  ['+4915112345678', 'DE', '+4915112345678'],
  ['015112345678', 'DE', '+4915112345678'],
  ['(0170) 123-4567', 'DE', '+491701234567'],
  ['0664 1234567', 'AT', '+436641234567'],
  ['079 123 45 67', 'CH', '+41791234567'],
  ['+1 415 555 2671', 'DE', '+14155552671'],
  ['alarm', 'DE', undefined],
  ['12', 'DE', undefined],
  ['+49 170', 'DE', undefined],
  ['', 'DE', undefined],
  // possible by length but no number in the region's plan: full metadata, not only lengths
  ['0170 12', 'DE', undefined],
  ['+49 170 12', 'DE', undefined],
  ['0151 1234567', 'DE', undefined],
  ['0664 12', 'AT', undefined],
];

describe('toE164', () => {
  for (const [input, region, expected] of table) {
    it(`${JSON.stringify(input)} (${region}) → ${expected ?? 'invalid'}`, () => assert.equal(toE164(input, region), expected));
  }
});

describe('numberInAddress', () => {
  it('reads a valid number and refuses one too short for its region', () => {
    assert.equal(numberInAddress('015112345678@sms.local', 'DE'), '+4915112345678');
    assert.equal(numberInAddress('017012@sms.local', 'DE'), undefined);
    assert.equal(numberInAddress('alarm@bridge.local', 'DE'), undefined);
  });
});

describe('number forms', () => {
  it('writes CM notation with 00', () => assert.equal(toCmNotation('+4915112345678'), '004915112345678'));
});
