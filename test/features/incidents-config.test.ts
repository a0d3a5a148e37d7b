// The `incidents` section: its defaults, numbers normalised and checked as the SMS section's (and never shown in
// full), levels in increasing order, the add-on's flat level keys; and the text an escalation level gets.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAddonConfig } from '../../src/config/addon.js';
import { configuredValues, loggableConfig } from '../../src/config/describe.js';
import { ConfigInvalid, validateConfig } from '../../src/config/load.js';
import { incidentsFromAddonOptions, incidentsSection } from '../../src/features/incidents/config.js';
import { alarmOf, openIncident } from '../../src/features/incidents/incident.js';
import { escalationText } from '../../src/features/incidents/summary.js';
import { alarmEvent } from '../helpers/alarm-event.js';

function problems(section: unknown): string[] {
  try {
    validateConfig({ incidents: section }, 'test');
  } catch (error) {
    if (error instanceof ConfigInvalid) return error.problems;
    throw error;
  }
  return [];
}

describe('incidents settings', () => {
  it('has defaults: OK and "quittiert", German, no escalation', () => {
    assert.deepEqual(incidentsSection.parse({}), {
      ack_words: ['ok', 'quittiert'],
      language: 'de',
      default_region: 'DE',
      escalation: [],
      close_after: 12 * 3_600_000,
    });
  });

  it('ends an incident only after its last level: close_after longer than the last after', () => {
    assert.equal(incidentsSection.parse({ close_after: '2d' }).close_after, 2 * 86_400_000);
    const short = incidentsSection.safeParse({ close_after: '1h', escalation: [{ after: '2h', sms: ['0170 1111111'] }] });
    assert.match(short.error?.issues[0]?.message ?? '', /longer than the last escalation level/);
    assert.equal(incidentsSection.safeParse({ close_after: '5m' }).success, false, 'at least 10 minutes');
  });

  it('reads durations, normalises numbers as the SMS section does, and takes chat ids as numbers or text', () => {
    const settings = incidentsSection.parse({
      ack_words: [' Erledigt '],
      default_region: 'AT',
      escalation: [
        { after: '90s', sms: ['0664 1234567', '+43 664 1234567'], telegram: [123456789, '@alarmchannel'] },
        { after: '1h', call: ['0049 170 1234567'] },
      ],
    });
    assert.deepEqual(settings.ack_words, ['erledigt']);
    assert.deepEqual(settings.escalation, [
      { after: 90_000, sms: ['+436641234567'], telegram: ['123456789', '@alarmchannel'], call: [] },
      { after: 3_600_000, sms: [], telegram: [], call: ['+491701234567'] },
    ]);
  });

  it('names what is wrong: a language, a chat id, a duration', () => {
    assert.deepEqual(
      problems({
        language: 'fr',
        escalation: [
          { after: '5m', telegram: ['not a chat'] },
          { after: 'soon', sms: ['0170 1234567'] },
        ],
      }).sort(),
      [
        'incidents.escalation.0.telegram.0: a numeric chat id such as 123456789 or -1001234567890, or @channelname',
        'incidents.escalation.1.after: a duration such as "90s", "15m", "25h" or "2d"',
        'incidents.language: Invalid option: expected one of "de"|"en"',
      ],
    );
  });

  it('names a bad number (masked where it could be one), levels out of order and a level for nobody, all at once', () => {
    assert.deepEqual(
      problems({
        escalation: [
          { after: '10m', sms: ['0170 123'], call: ['12345678901234567'] },
          { after: '5m', telegram: ['123456789'] },
          { after: '20m' },
        ],
      }).sort(),
      [
        'incidents.escalation.0.call.0: "*************4567" is not a valid phone number (region DE)',
        'incidents.escalation.0.sms.0: "**** 123" is not a valid phone number (region DE)',
        'incidents.escalation.1.after: later than the level before it',
        'incidents.escalation.2: at least one of sms, telegram, call',
      ],
    );
  });

  it("shows the levels' numbers and chats with their last four characters only, and masks them in any text", () => {
    const config = validateConfig(
      { incidents: { escalation: [{ after: '5m', sms: ['0170 1234567'], telegram: ['987654321'], call: ['0170 7654321'] }] } },
      'test',
    );
    assert.deepEqual(loggableConfig(config).incidents.escalation, [
      { after: 300_000, sms: ['*********4567'], telegram: ['*****4321'], call: ['*********4321'] },
    ]);
    assert.deepEqual(configuredValues(config, {}).identifiers, ['+491701234567', '987654321', '+491707654321']);
  });

  it("maps the add-on form's flat level keys to levels, leaving out a level with nothing set", () => {
    assert.deepEqual(
      incidentsFromAddonOptions({
        ack_words: ['ok'],
        language: 'en',
        level1_after: '5m',
        level1_sms: ['0170 1234567'],
        level1_telegram: [],
        level1_call: [],
        level2_sms: [],
        level2_telegram: [],
        level2_call: [],
      }),
      { ack_words: ['ok'], language: 'en', escalation: [{ after: '5m', sms: ['0170 1234567'] }] },
    );
    assert.deepEqual(incidentsFromAddonOptions({ level1_sms: [], level2_sms: [] }), {});
    // A level with recipients but no delay is kept, so that the schema names what it lacks.
    assert.deepEqual(
      problems(incidentsFromAddonOptions({ level1_after: '5m', level1_sms: ['0170 1234567'], level2_call: ['0170 1234567'] })),
      ['incidents.escalation.1.after: Invalid input: expected string, received undefined'],
    );
  });

  it('takes the two levels from the add-on options file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amb-incidents-addon-'));
    try {
      const optionsFile = join(dir, 'options.json');
      const form = { level1_sms: [], level1_telegram: ['-1001234567890'], level1_call: [], level2_telegram: [], level2_call: [] };
      await writeFile(
        optionsFile,
        JSON.stringify({ incidents: { ...form, language: 'en', level1_after: '5m', level2_after: '15m', level2_sms: ['0170 1234567'] } }),
      );
      const config = await loadAddonConfig({ optionsFile, dataDir: '/data', smtpPort: 2525, httpPort: 8099 });
      assert.deepEqual(config.incidents, {
        ack_words: ['ok', 'quittiert'],
        language: 'en',
        default_region: 'DE',
        escalation: [
          { after: 300_000, sms: [], telegram: ['-1001234567890'], call: [] },
          { after: 900_000, sms: ['+491701234567'], telegram: [], call: [] },
        ],
        close_after: 12 * 3_600_000,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('escalation text', () => {
  const incident = (time: string, text = 'Zone:4 Keller, Einbruch') =>
    openIncident(alarmOf(alarmEvent({ time, zone: 4, sensor: 'Keller', text }), 0, (value) => value));

  it('says which level, what, where and when, in German or English', () => {
    const now = new Date('2026-12-03T03:20:00Z');
    const open = incident('2026-12-03T03:12:00Z');
    assert.equal(escalationText(open, 2, 'de', now, 'UTC'), 'Alarm nicht quittiert, Stufe 2: Zone:4 Keller, Einbruch 03:12.');
    assert.equal(escalationText(open, 1, 'en', now, 'Europe/Berlin'), 'Alarm not acknowledged, level 1: Zone:4 Keller, Einbruch 04:12.');
  });

  it('adds the zone and sensor where the line lacks them, the count and the last alarm, and the date of another day', () => {
    const open = incident('2026-12-02T23:50:00Z', 'Einbruch');
    open.alarms.push({ ...open.alarms[0]!, id: 'second', time: '2026-12-03T00:05:00Z' });
    open.alarmCount = 5;
    assert.equal(
      escalationText(open, 1, 'de', new Date('2026-12-03T00:10:00Z'), 'UTC'),
      'Alarm nicht quittiert, Stufe 1: Zone 4 Keller: Einbruch 02.12. 23:50. 5 Alarme, der letzte 00:05.',
    );
    assert.equal(
      escalationText(open, 1, 'en', new Date('2026-12-03T00:10:00Z'), 'UTC'),
      'Alarm not acknowledged, level 1: Zone 4 Keller: Einbruch 02/12 23:50. 5 alarms, the last 00:05.',
    );
  });
});
