// The classifier over a table of lines: XT1 lines, later panels' words, unknown texts, and the route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailEvent, Route } from '../../src/core/event.js';
import type { Mail } from '../../src/mail/mail.js';
import { classifyMail } from '../../src/sources/classify.js';
import { buildProfiles } from '../../src/sources/registry.js';
import type { RuleConfig } from '../../src/sources/rules/config.js';

function mail(text: string, subject = ''): Mail {
  return {
    envelope: {
      from: 'xt1@panel.local',
      recipients: ['status@bridge.local'],
      receivedAt: '2026-11-21T18:03:12.345Z',
      remoteAddress: '192.168.1.20',
    },
    headerFrom: 'xt1@panel.local',
    subject,
    text,
    attachments: [],
  };
}

function classify(text: string, route: Route = 'status', userRules: RuleConfig[] = [], subject = ''): MailEvent {
  return classifyMail({ id: 'm1', mail: mail(text, subject), route }, buildProfiles(userRules));
}

type Expected = [
  type: string,
  category: string,
  alarmState: string | null,
  zone: number | null,
  sensor: string | null,
  user: string | null,
  source: string,
];

const table: [line: string, route: Route, expected: Expected][] = [
  // XT1, as seen in the field and implied by LupuServ's parsers
  ['Benutzer 1, Arm', 'status', ['armed_away', 'status', 'armed_away', null, null, 'Benutzer 1', 'xt1']],
  ['Max Müller, Home', 'status', ['armed_home', 'status', 'armed_home', null, null, 'Max Müller', 'xt1']],
  ['Benutzer 1, Disarm', 'status', ['disarmed', 'status', 'disarmed', null, null, 'Benutzer 1', 'xt1']],
  ['Zone:1 Terrasse, DC Open - Mobility', 'status', ['door_open', 'status', null, 1, 'Terrasse', null, 'xt1']],
  ['Zone:1 Terrasse, DC Close - Mobility', 'status', ['door_closed', 'status', null, 1, 'Terrasse', null, 'xt1']],
  ['Zone:5 PIR EG, IR Activity - Mobility', 'status', ['motion', 'status', null, 5, 'PIR EG', null, 'xt1']],
  ['Zone:1 Terrasse, Innenbereich Alarm', 'alarm', ['intrusion', 'alarm', 'triggered', 1, 'Terrasse', null, 'xt1']],
  ['Innenbereich Alarm gemeldet von Sensor Terrasse', 'alarm', ['intrusion', 'alarm', 'triggered', null, 'Terrasse', null, 'xt1']],
  ['Zone:8 Ost 1, Sabotage Alarm', 'alarm', ['tamper', 'alarm', 'triggered', 8, 'Ost 1', null, 'xt1']],
  ['Sabotage Alarm gemeldet von Sensor Ost 1', 'alarm', ['tamper', 'alarm', 'triggered', null, 'Ost 1', null, 'xt1']],
  ['Zone:8 Ost 1, Sabotage Alarm deaktiviert', 'alarm', ['tamper_restored', 'status', null, 8, 'Ost 1', null, 'xt1']],
  ['Sabotage Alarm deaktiviert gemeldet von Sensor Ost 1', 'alarm', ['tamper_restored', 'status', null, null, 'Ost 1', null, 'xt1']],
  ['Zone:4 Schlafzimmer, Periodischer Test Report', 'alarm', ['periodic_test', 'test', null, 4, 'Schlafzimmer', null, 'xt1']],
  ['Zone:7 Bäder OG, Sensorüberwachungsfehler', 'alarm', ['supervision_failure', 'trouble', null, 7, 'Bäder OG', null, 'xt1']],
  // names with umlauts, digits, parentheses and commas: the name ends at the last ", "
  [
    'Zone:12 Tür Süd 2 (Keller), links, DC Open - Mobility',
    'status',
    ['door_open', 'status', null, 12, 'Tür Süd 2 (Keller), links', null, 'xt1'],
  ],
  ['Zone:3 Fenster, Wohnzimmer, Innenbereich Alarm', 'alarm', ['intrusion', 'alarm', 'triggered', 3, 'Fenster, Wohnzimmer', null, 'xt1']],
  ['zone:3 FENSTER, innenbereich alarm', 'alarm', ['intrusion', 'alarm', 'triggered', 3, 'FENSTER', null, 'xt1']],
  // a number no panel has is no zone: it would become a topic and a Home Assistant device
  ['Zone:123456789012 Flur, Innenbereich Alarm', 'alarm', ['intrusion', 'alarm', 'triggered', null, 'Flur', null, 'xt1']],
  // words of later firmware and other panels, German and English
  ['Einbruchalarm Zone 3', 'status', ['intrusion', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Zone:4 Keller, Wasser Alarm', 'status', ['water', 'alarm', 'triggered', 4, 'Keller', null, 'generic']],
  ['Feueralarm im Erdgeschoss', 'status', ['fire', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Rauchmelder Flur ausgelöst', 'status', ['smoke', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Panik Alarm', 'status', ['panic', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Notfall Alarm Bad', 'status', ['emergency', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Batterie schwach: Zone 2', 'alarm', ['low_battery', 'trouble', null, null, null, null, 'generic']],
  ['Stromausfall', 'alarm', ['power_failure', 'trouble', null, null, null, null, 'generic']],
  ['Burglary alarm zone 2', 'status', ['intrusion', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Fire alarm', 'status', ['fire', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Smoke detected in kitchen', 'status', ['smoke', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Water leak detected', 'status', ['water', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Panic button pressed', 'status', ['panic', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Low battery: sensor 4', 'alarm', ['low_battery', 'trouble', null, null, null, null, 'generic']],
  ['Power failure', 'alarm', ['power_failure', 'trouble', null, null, null, null, 'generic']],
  // a false "triggered" wakes a house: restore, test and supervision lines never trigger, even sent as alarm
  ['Stromausfall behoben', 'alarm', ['restored', 'status', null, null, null, null, 'generic']],
  ['Feueralarm beendet', 'alarm', ['restored', 'status', null, null, null, null, 'generic']],
  ['Fire alarm restored', 'alarm', ['restored', 'status', null, null, null, null, 'generic']],
  ['Testalarm Feuer', 'alarm', ['test', 'test', null, null, null, null, 'generic']],
  ['Supervision failure zone 3', 'alarm', ['supervision_failure', 'trouble', null, null, null, null, 'generic']],
  // words inside other words are not keywords
  ['Zone:2 Wassertank, DC Open - Mobility', 'status', ['door_open', 'status', null, 2, 'Wassertank', null, 'xt1']],
  ['Firewall neu gestartet', 'status', ['unknown', 'status', null, null, null, null, 'generic']],
  // unknown texts: the route decides; the bare word "Alarm" is no keyword
  ['Alarm', 'status', ['unknown', 'status', null, null, null, null, 'generic']],
  ['Etwas Unbekanntes', 'status', ['unknown', 'status', null, null, null, null, 'generic']],
  ['Etwas Unbekanntes', 'other', ['unknown', 'status', null, null, null, null, 'generic']],
  ['Alarm', 'alarm', ['alarm', 'alarm', 'triggered', null, null, null, 'generic']],
  ['Etwas Unbekanntes', 'alarm', ['alarm', 'alarm', 'triggered', null, null, null, 'generic']],
];

describe('classifyMail', () => {
  for (const [line, route, expected] of table) {
    it(`${JSON.stringify(line)} to ${route} → ${expected[0]}`, () => {
      const event = classify(line, route);
      assert.deepEqual([event.type, event.category, event.alarm_state, event.zone, event.sensor, event.user, event.source], expected);
      assert.equal(event.text, line);
    });
  }

  it('carries the mail fields and arrival time into the event', () => {
    const event = classify('Zone:1 Terrasse, DC Open - Mobility', 'status', [], 'XT1');
    assert.deepEqual(
      { id: event.id, time: event.time, from: event.from, recipients: event.recipients, subject: event.subject },
      { id: 'm1', time: '2026-11-21T18:03:12.345Z', from: 'xt1@panel.local', recipients: ['status@bridge.local'], subject: 'XT1' },
    );
  });

  it('finds the event line among others and falls back to the subject', () => {
    assert.equal(classify('\n\nHallo,\nZone:5 PIR EG, IR Activity - Mobility\n').type, 'motion');
    const fromSubject = classify('', 'status', [], 'Zone:1 Terrasse, Innenbereich Alarm');
    assert.deepEqual([fromSubject.type, fromSubject.text], ['intrusion', 'Zone:1 Terrasse, Innenbereich Alarm']);
    assert.equal(classify('', 'status').text, '');
  });

  it('lets the body decide before the subject: a subject `test` does not turn a fire into a test', () => {
    const fire = classify('Feuer im Keller', 'alarm', [], 'test Sat, 21 Nov 2026 19:03:12 +0100');
    assert.deepEqual([fire.type, fire.category, fire.alarm_state, fire.text], ['fire', 'alarm', 'triggered', 'Feuer im Keller']);
    const restoredSubject = classify('Zone:1 Terrasse, Innenbereich Alarm', 'alarm', [], 'Alarm beendet');
    assert.equal(restoredSubject.type, 'intrusion');
    // a user rule that only the subject matches waits until no body line matches any rule
    const subjectRule: RuleConfig[] = [{ match: '^Kamera', type: 'camera', category: 'status', alarm_state: null }];
    assert.equal(classify('Einbruch Garten', 'alarm', subjectRule, 'Kamera Garten').type, 'intrusion');
    assert.equal(classify('Bewegung erkannt', 'alarm', subjectRule, 'Kamera Garten').type, 'camera');
  });

  it('still never triggers on a test or restore line in the body, whatever the subject says', () => {
    const test = classify('Zone:4 Schlafzimmer, Periodischer Test Report', 'alarm', [], 'Feueralarm');
    assert.deepEqual([test.type, test.alarm_state], ['periodic_test', null]);
    const restored = classify('Feueralarm beendet', 'alarm', [], 'Einbruch');
    assert.deepEqual([restored.type, restored.alarm_state], ['restored', null]);
  });

  it('keeps rule priority among body lines: each rule over all body lines, in rule order', () => {
    // the restore rule comes before the fire rule, so a restore line anywhere in the body wins
    assert.equal(classify('Feueralarm Keller\nFeueralarm beendet').type, 'restored');
    assert.equal(classify('Hallo\nBenutzer 1, Arm\nZone:1 Terrasse, DC Open - Mobility').type, 'armed_away');
  });

  it('bounds the subject in the event like a line of text', () => {
    const event = classify('Zone:1 Terrasse, DC Open - Mobility', 'status', [], `  ${'Betreff '.repeat(112_500)}`);
    assert.equal(event.subject.length, 500);
    assert.ok(event.subject.startsWith('Betreff Betreff'));
    const emoji = classify('', 'status', [], `${'a'.repeat(499)}🔥🔥`);
    assert.equal(emoji.subject, 'a'.repeat(499), 'no half of a surrogate pair at the end');
    assert.equal(emoji.text, emoji.subject);
  });

  it('tries user rules first and takes their named groups', () => {
    const rules: RuleConfig[] = [{ match: '^Garage (?<sensor>\\w+) offen$', type: 'garage_open', category: 'status', alarm_state: null }];
    const garage = classify('Garage Nord offen', 'alarm', rules);
    assert.deepEqual(
      [garage.type, garage.category, garage.alarm_state, garage.sensor, garage.source],
      ['garage_open', 'status', null, 'Nord', 'rules'],
    );
    const override: RuleConfig[] = [{ match: 'Innenbereich Alarm', type: 'interior_alarm', category: 'alarm', alarm_state: 'triggered' }];
    const interior = classify('Zone:1 Terrasse, Innenbereich Alarm', 'alarm', override);
    assert.deepEqual([interior.type, interior.zone, interior.sensor], ['interior_alarm', 1, 'Terrasse']);
  });

  it('stays fast and bounded on a huge body', () => {
    const event = classify(`${'a'.repeat(200_000)}\n`.repeat(50), 'status');
    assert.equal(event.type, 'unknown');
    assert.ok(event.text.length <= 500);
  });
});
