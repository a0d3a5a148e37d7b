// Hostile and broken input through parse and classify: every input ends as an event (parsed or unparsed),
// none throws, none hangs the test. Property tests with fast-check, plus hand-made worst cases.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { IsolatedParser } from '../../src/mail/isolated-parser.js';
import { eventFromMail } from '../../src/pipeline/to-event.js';
import { catalogOf } from '../../src/sources/catalog.js';
import { buildProfiles } from '../../src/sources/registry.js';

const profiles = buildProfiles([]);
const knownTypes = new Set(catalogOf(profiles).eventTypes);
const routes = { alarm: ['alarm'], status: ['status'] };
const fixtures = readdirSync(new URL('../fixtures/mails/', import.meta.url), { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.eml'))
  .map((name) => readFileSync(new URL(`../fixtures/mails/${name}`, import.meta.url)));

const parser = new IsolatedParser();
after(() => parser.close());
let tried = 0;
let unparsed = 0;

async function survives(raw: Buffer): Promise<void> {
  tried += 1;
  const envelope = { from: 'x@y', recipients: ['alarm@bridge.local'], receivedAt: '2026-11-21T18:03:12.345Z', remoteAddress: '127.0.0.1' };
  const { event, unparsable } = await eventFromMail({ id: 'm', envelope, raw }, profiles, routes, parser);
  if (unparsable !== undefined) unparsed += 1;
  assert.ok(knownTypes.has(event.type), event.type);
  assert.ok(event.text.length <= 4097);
  assert.ok(event.zone === null || Number.isSafeInteger(event.zone));
}

/** A fixture with bytes flipped, cut, or runs of bytes inserted. */
const mutatedFixture = fc
  .record({
    fixture: fc.constantFrom(...fixtures),
    edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'cut', 'insert'), bytes: fc.uint8Array({ maxLength: 64 }) }), {
      maxLength: 8,
    }),
  })
  .map(({ fixture, edits }) => {
    let bytes = Buffer.from(fixture);
    for (const { at, kind, bytes: inserted } of edits) {
      const position = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 'flip') bytes[position] = (bytes[position] ?? 0) ^ 0xff;
      else if (kind === 'cut') bytes = bytes.subarray(0, position);
      else bytes = Buffer.concat([bytes.subarray(0, position), Buffer.from(inserted), bytes.subarray(position)]);
    }
    return bytes;
  });

/** Well-formed looking MIME built from hostile pieces: boundaries, charsets, encodings, NULs, bare LF. */
const hostileMime = fc
  .record({
    boundary: fc.string({ minLength: 0, maxLength: 70 }),
    charset: fc.constantFrom('utf-8', 'iso-8859-1', 'windows-1252', 'gb2312', 'utf-7', 'x-unknown', '', '"', 'utf-8"; boundary="x'),
    encoding: fc.constantFrom('base64', 'quoted-printable', '8bit', '7bit', 'x-uuencode', 'bogus'),
    body: fc.string({ maxLength: 300 }),
    parts: fc.nat({ max: 30 }),
    lineEnd: fc.constantFrom('\r\n', '\n', '\r'),
    closeBoundary: fc.boolean(),
    subject: fc.string({ maxLength: 200 }),
  })
  .map(({ boundary, charset, encoding, body, parts, lineEnd, closeBoundary, subject }) => {
    const part = `--${boundary}${lineEnd}Content-Type: text/plain; charset=${charset}${lineEnd}Content-Transfer-Encoding: ${encoding}${lineEnd}${lineEnd}${body}${lineEnd}`;
    return Buffer.from(
      `Subject: ${subject}${lineEnd}Content-Type: multipart/mixed; boundary="${boundary}"${lineEnd}${lineEnd}${part.repeat(parts)}${closeBoundary ? `--${boundary}--${lineEnd}` : ''}`,
      'utf8',
    );
  });

describe('hostile input', () => {
  it('survives random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), (bytes) => survives(Buffer.from(bytes))),
      { numRuns: 1500 },
    );
  });

  it('survives mutated real mails', async () => {
    await fc.assert(fc.asyncProperty(mutatedFixture, survives), { numRuns: 1500 });
  });

  it('survives hostile MIME structure, charsets and encodings', async () => {
    await fc.assert(fc.asyncProperty(hostileMime, survives), { numRuns: 1500 });
  });

  it('survives the worst cases: 100k header lines, 5,000 parts, NUL bytes, a 2 MB header, an open nested boundary', async (t) => {
    const worst = [
      `${'X-Filler: a\r\n'.repeat(100_000)}\r\nZone:1 Terrasse, Innenbereich Alarm\r\n`,
      `Content-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(5000)}--b--\r\n`,
      `Subject: \u0000\u0000\r\n\r\nZone:1 T\u0000rrasse, Innenbereich Alarm\u0000\r\n`,
      `X-Long: ${'a'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`,
      'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n--a--\r\n',
      `Content-Type: text/html\r\n\r\n${'<div>'.repeat(200_000)}`,
      'Content-Transfer-Encoding: base64\r\n\r\n@@@@!!!!====\r\n',
      'Subject: =?x-unknown?B?////?=\r\nFrom: =?utf-8?Q?=FF=FE?= <a@b>\r\n\r\nx\r\n',
    ];
    for (const raw of worst) await survives(Buffer.from(raw, 'utf8'));
    t.diagnostic(`hostile input: ${tried} mails tried, ${unparsed} reported as unparsed, none threw or hung`);
  });
});
