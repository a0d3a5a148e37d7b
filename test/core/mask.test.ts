import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuredValuesMasker, maskAddress, maskNumber, maskNumbersIn, maskSecret } from '../../src/core/mask.js';

describe('masking', () => {
  it('keeps the last four digits of a number', () => assert.equal(maskNumber('+4915112345678'), '**********5678'));

  it('masks numbers inside provider texts, and nothing that is part of a word or too short', () => {
    assert.equal(maskNumbersIn("Gsm '00491701234567' is not a number."), "Gsm '**********4567' is not a number.");
    assert.equal(
      maskNumbersIn("The 'To' number +491701234567 is not a valid phone number."),
      "The 'To' number *********4567 is not a valid phone number.",
    );
    assert.equal(maskNumbersIn('call 0170 123-4567 now'), 'call *********4567 now');
    assert.equal(maskNumbersIn('not a number: +491701234567.'), 'not a number: *********4567.');
    assert.equal(maskNumbersIn('connect ECONNREFUSED 192.168.178.20:2525'), 'connect ECONNREFUSED 192.168.178.20:2525');
    assert.equal(
      maskNumbersIn('mail 20261123T081114345Z-000000-9f3a0c1e, HTTP 503, code 21211'),
      'mail 20261123T081114345Z-000000-9f3a0c1e, HTTP 503, code 21211',
    );
  });

  it('tells a phone number in a text from a date, a time or a version', () => {
    const numbers: [string, string][] = [
      ['+49 170 1234567', '***********4567'],
      ['0170/1234567', '********4567'],
      ['00491701234567', '**********4567'],
      ["Gsm '00491701234567' is not a number.", "Gsm '**********4567' is not a number."],
      ['call (0170) 123-4567', 'call ***********4567'],
      ['To: +4915112345678, 0151 12345678', 'To: **********5678, *********5678'],
    ];
    const notNumbers = [
      'The requested resource /2010-04-01/Accounts/ACxx/Messages.json was not found',
      '2026-12-03T06:36:02Z',
      'at 2026-12-03 06:36:02 UTC',
      'on 2026/12/03, 03/12/2026 or 12-03-2026',
      'Mon, 03 Dec 2026 06:36:02 GMT',
      'twilio v1.2.3, axios 1.21.1',
      'retry at 12:30:45',
      'connect ECONNREFUSED 127.0.0.1:8081',
    ];
    for (const [text, masked] of numbers) assert.equal(maskNumbersIn(text), masked, text);
    for (const text of notNumbers) assert.equal(maskNumbersIn(text), text);
  });

  it('masks every configured secret and account id inside a text from outside, in every form it may be quoted', () => {
    const token = '123456789:AAH-test/TOKEN+x';
    const sid = 'AC0123456789abcdef0123456789abcdef';
    const mask = configuredValuesMasker({ secrets: [token, 'twilio-token', 'short', ''], identifiers: [sid] });
    const cases: [string, string][] = [
      ['Authenticate: Auth Token twilio-token is not valid', 'Authenticate: Auth Token [redacted] is not valid'],
      [`POST https://api.telegram.org/bot${token}/sendMessage`, 'POST https://api.telegram.org/bot[redacted]/sendMessage'],
      [`GET /bot${encodeURIComponent(token)}/sendMessage`, 'GET /bot[redacted]/sendMessage'],
      [`/2010-04-01/Accounts/${sid}/Messages.json`, `/2010-04-01/Accounts/${'*'.repeat(30)}cdef/Messages.json`],
      // Too short to look for: it would match inside words.
      ['a short answer', 'a short answer'],
    ];
    for (const [text, masked] of cases) assert.equal(mask(text), masked, text);
    // Inside a log line the value is JSON-escaped.
    const escaping = configuredValuesMasker({ secrets: ['pass"word\\1'], identifiers: [] });
    assert.equal(escaping(JSON.stringify({ msg: 'refused pass"word\\1' })), '{"msg":"refused [redacted]"}');
  });

  it('masks the number in an address and leaves other addresses', () => {
    assert.equal(maskAddress('+4915112345678@sms.local'), '**********5678@sms.local');
    assert.equal(maskAddress('alarm@bridge.local'), 'alarm@bridge.local');
    // Every notation the SMS routing reads as a number is masked whole.
    assert.equal(maskAddress('0151.1234.5678@sms.local'), '**********5678@sms.local');
    assert.equal(maskAddress('+49.151.12345678@sms.local'), '************5678@sms.local');
    assert.equal(maskAddress('0151/12345678@sms.local'), '*********5678@sms.local');
    assert.equal(maskAddress('melder-01701234567@panel.local'), 'melder-*******4567@panel.local');
  });

  it('shows a secret-like value by its first character only', () => {
    assert.equal(maskSecret('hunter2-secret'), 'h********');
    assert.equal(maskSecret(''), '');
  });
});
