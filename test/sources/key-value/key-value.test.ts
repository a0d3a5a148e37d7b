// key:value panels: real mails (English and German) through parse and classify, and the lines the profile claims.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import type { MailEvent, Route } from '../../../src/core/event.js';
import { IsolatedParser } from '../../../src/mail/isolated-parser.js';
import type { Mail } from '../../../src/mail/mail.js';
import { eventFromMail } from '../../../src/pipeline/to-event.js';
import { classifyMail } from '../../../src/sources/classify.js';
import { buildProfiles } from '../../../src/sources/registry.js';

const routes = { alarm: ['alarm'], status: ['status'] };
const parser = new IsolatedParser();
after(() => parser.close());

type Expected = [
  type: string,
  category: string,
  alarmState: string | null,
  zone: number | null,
  sensor: string | null,
  user: string | null,
  source: string,
  text: string,
];

const fixtures: [fixture: string, recipient: string, expected: Expected][] = [
  [
    'key-value-en-burglary.eml',
    'alarm@bridge.local',
    ['intrusion', 'alarm', 'triggered', 3, 'Window left', null, 'key-value', 'Event: Burglary'],
  ],
  [
    'key-value-en-restored.eml',
    'status@bridge.local',
    ['restored', 'status', null, 2, null, 'Anna', 'key-value', 'EVENT: Fire alarm restored'],
  ],
  [
    'key-value-de-einbruch.eml',
    'alarm@bridge.local',
    ['intrusion', 'alarm', 'triggered', 4, 'Fenster links', 'Max Müller', 'key-value', 'Ereignis: Einbruch'],
  ],
  // the event word decides, not a sensor's name: keywords over all lines would have read "Rauchmelder" first
  [
    'key-value-de-wasser.eml',
    'alarm@bridge.local',
    ['water', 'alarm', 'triggered', 6, 'Rauchmelder Keller', null, 'key-value', 'Ereignis: Wasseralarm'],
  ],
  // the keyword rules' order over all event lines: a restore wins, as in any text
  [
    'key-value-de-beendet.eml',
    'alarm@bridge.local',
    ['restored', 'status', null, 7, 'Flur OG', null, 'key-value', 'Ereignis: Feueralarm beendet'],
  ],
];

describe('key-value profile over real mails', () => {
  for (const [fixture, recipient, expected] of fixtures) {
    it(`${fixture} → ${expected[0]}`, async () => {
      const raw = await readFile(new URL(`../../fixtures/mails/${fixture}`, import.meta.url));
      const envelope = {
        from: 'panel@house.local',
        recipients: [recipient],
        receivedAt: '2026-11-21T18:03:12.345Z',
        remoteAddress: '192.168.1.30',
      };
      const { event, unparsable } = await eventFromMail({ id: 'm1', envelope, raw }, buildProfiles([]), routes, parser);
      assert.equal(unparsable, undefined);
      assert.deepEqual(
        [event.type, event.category, event.alarm_state, event.zone, event.sensor, event.user, event.source, event.text],
        expected,
      );
    });
  }
});

function classify(text: string, route: Route = 'alarm', subject = ''): MailEvent {
  const mail: Mail = {
    envelope: {
      from: 'panel@house.local',
      recipients: ['alarm@bridge.local'],
      receivedAt: '2026-11-21T18:03:12.345Z',
      remoteAddress: '192.168.1.30',
    },
    headerFrom: '',
    subject,
    text,
    attachments: [],
  };
  return classifyMail({ id: 'm1', mail, route }, buildProfiles([]));
}

const lines: [text: string, expected: [type: string, zone: number | null, sensor: string | null, user: string | null, source: string]][] = [
  // the zone: a number, possibly with a name; a bare name is no number
  ['Event: Fire\nZone: 12', ['fire', 12, null, null, 'key-value']],
  ['Event: Fire\nZone: 12, Hall', ['fire', 12, 'Hall', null, 'key-value']],
  ['Event: Fire\nZone: Hall', ['fire', null, 'Hall', null, 'key-value']],
  ['Event: Fire\nZone: 3 Hall\nSensor: Heat detector', ['fire', 3, 'Heat detector', null, 'key-value']],
  ['Ereignis: Sabotage\nMelder: Bewegungsmelder Flur\nBenutzer: Anna', ['tamper', null, 'Bewegungsmelder Flur', 'Anna', 'key-value']],
  ['ereignis :  Stromausfall\nbereich: 1', ['power_failure', 1, null, null, 'key-value']],
  // without an event key the mail is not claimed: the keywords read it as any text
  ['Zone: 3 Kitchen\nSmoke detected', ['smoke', null, null, null, 'generic']],
  // an event word the keywords do not know leaves the mail to the route
  ['Event: Door chime\nZone: 2 Hall', ['alarm', null, null, null, 'generic']],
  // XT1 lines never carry an `Event:` key, so they stay the XT1's
  ['Zone:4 Keller, Wasser Alarm', ['water', 4, 'Keller', null, 'generic']],
  ['Zone:1 Terrasse, DC Open - Mobility', ['door_open', 1, 'Terrasse', null, 'xt1']],
  // a sentence with a colon is no key line
  ['Note from the panel: fire alarm', ['fire', null, null, null, 'generic']],
];

describe('key-value profile over lines', () => {
  for (const [text, expected] of lines) {
    it(JSON.stringify(text), () => {
      const event = classify(text);
      assert.deepEqual([event.type, event.zone, event.sensor, event.user, event.source], expected);
    });
  }

  it('reads key lines in the body only: a subject `Event: …` is read by the keywords, as before', () => {
    const event = classify('Sensor: Smoke detector', 'status', 'Event: Burglary');
    assert.deepEqual([event.type, event.source], ['smoke', 'generic']);
  });

  it('never makes an alarm of a mail whose other lines say restore, test or trouble', () => {
    for (const [text, type] of [
      ['Event: Burglary\nStatus: Restored', 'restored'],
      ['Event: Smoke alarm\nAlarm cleared', 'restored'],
      ['Event: Burglary\nThis is a test message', 'test'],
      ['Ereignis: Einbruch\nBatterie schwach', 'low_battery'],
    ] as const) {
      const event = classify(text);
      assert.deepEqual([event.type, event.alarm_state, event.source], [type, null, 'generic'], text);
    }
  });

  it('comes after the user rules', () => {
    const event = classifyMail(
      {
        id: 'm1',
        route: 'alarm',
        mail: {
          envelope: { from: '', recipients: [], receivedAt: '', remoteAddress: '' },
          headerFrom: '',
          subject: '',
          text: 'Event: Burglary\nZone: 3',
          attachments: [],
        },
      },
      buildProfiles([{ match: '^Event: Burglary$', type: 'break_in', category: 'alarm', alarm_state: 'triggered' }]),
    );
    assert.deepEqual([event.type, event.source], ['break_in', 'rules']);
  });
});
