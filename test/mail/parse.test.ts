// parseMail over real .eml fixtures: where the text comes from when a mail has no text/plain part.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseMail } from '../../src/mail/parse.js';

const envelope = {
  from: 'cam@local',
  recipients: ['alarm@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};

async function parseFixture(name: string) {
  return parseMail(await readFile(new URL(`../fixtures/mails/${name}`, import.meta.url)), envelope);
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

describe('parseMail bounds', () => {
  it('hands on at most 64 KB of text and 4 KB of subject, however large the body', async () => {
    const raw = Buffer.from(
      `Subject: ${'s'.repeat(900 * 1024)}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n${'x'.repeat(2 * 1024 * 1024)}\r\n`,
    );
    const mail = await parseMail(raw, { from: '', recipients: [], receivedAt: '', remoteAddress: '' });
    assert.equal(mail.text.length, 64 * 1024);
    assert.ok(mail.text.startsWith('Zone:1 Terrasse, Innenbereich Alarm'));
    assert.equal(mail.subject.length, 4 * 1024);
  });
});

describe('parseMail without a text/plain part', () => {
  it('takes the text from the HTML beside a 20 KB JPEG attachment (multipart/mixed)', async () => {
    const mail = await parseFixture('camera-html-jpeg-attachment.eml');
    assert.deepEqual(lines(mail.text), ['Feuer im Keller']);
    assert.deepEqual(
      mail.attachments.map(({ filename, contentType, size }) => [filename, contentType, size]),
      [['snapshot.jpg', 'image/jpeg', 20449]],
    );
  });

  it('takes the text from HTML with an inline cid: image (multipart/related), umlauts decoded', async () => {
    const mail = await parseFixture('panel-html-related-cid.eml');
    assert.ok(lines(mail.text).includes('Zone:3 Fenster Küche, Innenbereich Alarm'), mail.text);
    assert.deepEqual(
      mail.attachments.map(({ contentType, size }) => [contentType, size]),
      [['image/jpeg', 1074]],
    );
  });

  it('takes the text from HTML in multipart/related inside multipart/mixed, in its declared charset', async () => {
    const mail = await parseFixture('camera-html-mixed-related-jpeg.eml');
    assert.ok(lines(mail.text).includes('Einbruch erkannt: Tür Terrasse'), mail.text);
    assert.equal(mail.attachments.length, 2);
  });

  it('gives the same text as for the same HTML sent alone', async () => {
    const html = '<html><body><h3>Kamera</h3><p>Feuer im Keller</p><img src="cid:a@b" alt="Bild"></body></html>';
    const alone = await parseMail(Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`), envelope);
    const withImage = await parseMail(
      Buffer.from(
        'Content-Type: multipart/related; boundary=b\r\n\r\n' +
          `--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n` +
          '--b\r\nContent-Type: image/jpeg\r\nContent-ID: <a@b>\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n',
      ),
      envelope,
    );
    assert.ok(alone.text.includes('Feuer im Keller'));
    assert.equal(withImage.text, alone.text);
  });

  it('keeps a text/plain part as the text, however much HTML the mail carries', async () => {
    const mail = await parseMail(
      Buffer.from(
        'Content-Type: multipart/mixed; boundary=b\r\n\r\n' +
          '--b\r\nContent-Type: text/plain\r\n\r\nZone:1 Terrasse, DC Open\r\n' +
          '--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=report.html\r\n\r\n<p>Feuer</p>\r\n--b--\r\n',
      ),
      envelope,
    );
    assert.deepEqual(lines(mail.text), ['Zone:1 Terrasse, DC Open']);
  });

  it('does not convert HTML over 1 MB: the text stays empty and the mail is still parsed', async () => {
    const huge = `<html><body>${'<p>Feuer im Keller</p>'.repeat(60_000)}</body></html>`;
    const mail = await parseMail(
      Buffer.from(
        'Subject: huge\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
          `--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${huge}\r\n` +
          '--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename=a.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n',
      ),
      envelope,
    );
    assert.equal(mail.text, '');
    assert.equal(mail.subject, 'huge');
    assert.equal(mail.attachments.length, 1);
  });
});
