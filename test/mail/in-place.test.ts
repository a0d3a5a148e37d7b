// Which mails skip the parser's thread: small mails of one part only. Anything with parts (also a Content-Type folded
// onto the next line, or a mail inside the mail) and anything larger goes to the thread with its time budget.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxInPlaceBytes, parsesInPlace } from '../../src/mail/in-place.js';

const mail = (header: string, body = 'Zone:1 Terrasse, Innenbereich Alarm\r\n') => Buffer.from(`${header}\r\n\r\n${body}`);

describe('parsesInPlace', () => {
  for (const [what, raw, expected] of [
    ['an XT1 line without Content-Type', mail('From: xt1@panel.local\r\nSubject: XT1'), true],
    [
      'text/plain in ISO-8859-1, quoted-printable',
      mail('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable'),
      true,
    ],
    ['a single HTML part', mail('Content-Type: text/html; charset=utf-8'), true],
    ['multipart/mixed', mail('Content-Type: multipart/mixed; boundary=b'), false],
    ['MULTIPART in capitals', mail('CONTENT-TYPE: MULTIPART/ALTERNATIVE; boundary=b'), false],
    ['a Content-Type folded onto the next line', mail('Subject: x\r\nContent-Type:\r\n\tmultipart/related; boundary=b'), false],
    ['a mail inside the mail', mail('Content-Type: message/rfc822'), false],
    ['only a header, no body', Buffer.from('Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n'), false],
    ['a body that merely mentions multipart', mail('Subject: x', 'Content-Type: multipart/mixed\r\n'), true],
    ['one byte over the size', mail('Subject: x', 'a'.repeat(maxInPlaceBytes)), false],
  ] as const) {
    it(`${what} → ${expected ? 'in place' : 'parser thread'}`, () => assert.equal(parsesInPlace(raw), expected));
  }
});
