// Real .eml fixtures through parse and classify: charsets, transfer encodings, line ends, HTML-only,
// HTML beside images and attachments.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { IsolatedParser } from '../../src/mail/isolated-parser.js';
import { eventFromMail } from '../../src/pipeline/to-event.js';
import { buildProfiles } from '../../src/sources/registry.js';

const routes = { alarm: ['alarm'], status: ['status'] };
const parser = new IsolatedParser();
after(() => parser.close());

async function eventOf(fixture: string | Buffer, recipient: string) {
  const raw = typeof fixture === 'string' ? await readFile(new URL(`../fixtures/mails/${fixture}`, import.meta.url)) : fixture;
  const envelope = {
    from: 'xt1@panel.local',
    recipients: [recipient],
    receivedAt: '2026-11-21T18:03:12.345Z',
    remoteAddress: '192.168.1.20',
  };
  return eventFromMail({ id: 'm1', envelope, raw }, buildProfiles([]), routes, parser);
}

const table: [fixture: string, recipient: string, type: string, zone: number | null, sensor: string | null][] = [
  ['xt1-latin1-undeclared.eml', 'status@bridge.local', 'door_open', 2, 'Tür Süd 2'],
  ['xt1-iso8859-1-quoted-printable.eml', 'alarm@bridge.local', 'supervision_failure', 7, 'Bäder OG'],
  ['xt1-windows-1252-base64.eml', 'alarm@bridge.local', 'tamper', null, 'Küche (Fenster), links'],
  ['xt1-utf8-8bit.eml', 'status@bridge.local', 'tamper_restored', 8, 'Ost 1'],
  ['xt1-bare-lf-trailing-space.eml', 'status@bridge.local', 'motion', 5, 'PIR EG'],
  ['xt1-html-only.eml', 'alarm@bridge.local', 'intrusion', 1, 'Terrasse'],
  ['xt1-multipart-alternative.eml', 'alarm@bridge.local', 'periodic_test', 4, 'Schlafzimmer Süd'],
  // no text/plain part: the HTML beside images and attachments is the text
  ['camera-html-jpeg-attachment.eml', 'alarm@bridge.local', 'fire', null, null],
  ['panel-html-related-cid.eml', 'alarm@bridge.local', 'intrusion', 3, 'Fenster Küche'],
  ['camera-html-mixed-related-jpeg.eml', 'alarm@bridge.local', 'intrusion', null, null],
];

describe('eventFromMail over fixtures', () => {
  for (const [fixture, recipient, type, zone, sensor] of table) {
    it(`${fixture} → ${type} (${sensor})`, async () => {
      const { event, unparsable } = await eventOf(fixture, recipient);
      assert.equal(unparsable, undefined);
      assert.deepEqual([event.type, event.zone, event.sensor], [type, zone, sensor]);
      assert.doesNotMatch(event.text, /\uFFFD/);
    });
  }

  it('classifies an HTML-only mail the same with a 20 KB JPEG attached as without it', async () => {
    const { event } = await eventOf('camera-html-jpeg-attachment.eml', 'alarm@bridge.local');
    assert.deepEqual([event.type, event.category, event.alarm_state, event.text], ['fire', 'alarm', 'triggered', 'Feuer im Keller']);
  });

  it('turns a mail mailparser cannot read into an unparsed event with its raw text, kept as alarm on the alarm route', async () => {
    // mailparser refuses a header over 1 MB (its maxHeadSize)
    const hugeHeader = Buffer.from(
      `From: xt1@panel.local\r\nX-Filler: ${'a'.repeat(1_100_000)}\r\n\r\nZone:1 Terrasse, Innenbereich Alarm\r\n`,
    );
    const toAlarm = await eventOf(hugeHeader, 'alarm@bridge.local');
    assert.match(toAlarm.unparsable ?? '', /header/i);
    assert.deepEqual([toAlarm.event.type, toAlarm.event.category, toAlarm.event.alarm_state], ['unparsed', 'alarm', null]);
    assert.match(toAlarm.event.text, /^From: xt1@panel\.local\r\nX-Filler: a{100}/);
    assert.ok(toAlarm.event.text.length <= 4097, 'the raw text is cut, not megabytes on MQTT');
    const toStatus = await eventOf(hugeHeader, 'status@bridge.local');
    assert.equal(toStatus.event.category, 'trouble');
  });
});
