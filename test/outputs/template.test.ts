// The template shared by the text outputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { smsSection } from '../../src/outputs/sms/config.js';
import { telegramSchema } from '../../src/outputs/telegram/config.js';
import { messageTemplate, renderTemplate } from '../../src/outputs/template.js';

const panel = {
  id: 'm',
  time: '2026-11-21T18:03:12.345Z',
  input: 'smtp',
  source: 'xt1',
  category: 'alarm',
  type: 'intrusion',
  alarm_state: 'triggered',
  zone: 1,
  sensor: 'Terrasse',
  user: null,
  text: 'Zone:1 Terrasse, Innenbereich Alarm',
  from: '',
  recipients: [],
  subject: '',
} satisfies AlarmEvent;
/** A camera event as the Hikvision profile makes it: its text is the body's first line, which names no camera. */
const camera = {
  ...panel,
  source: 'hikvision',
  category: 'status',
  type: 'motion',
  alarm_state: null,
  zone: null,
  sensor: 'Garage',
  text: 'EVENT TYPE:    Motion Detection',
  device: 'garage',
  images: [],
  device_time: null,
  phase: null,
} satisfies AlarmEvent;
const berlin = { timeZone: 'Europe/Berlin' };

describe('renderTemplate', () => {
  it('fills placeholders from the event, empty for missing values, and keeps unknown ones', () => {
    assert.equal(
      renderTemplate('[{category}] {type} Zone {zone} {sensor} {user}: {text} {nope}', panel),
      '[alarm] intrusion Zone 1 Terrasse : Zone:1 Terrasse, Innenbereich Alarm {nope}',
    );
    assert.equal(renderTemplate('{time}', panel), '2026-11-21T18:03:12.345Z');
  });

  it('{summary} of a camera event names the camera, the event in words and the local time', () => {
    const table: [Partial<AlarmEvent>, string][] = [
      [{}, 'Garage: motion 19:03'],
      [{ type: 'line_crossing', sensor: 'Einfahrt Süd' }, 'Einfahrt Süd: line crossing 19:03'],
      [{ type: 'intrusion_area' }, 'Garage: intrusion 19:03'],
      [{ type: 'motion', phase: 'stop' }, 'Garage: motion ended 19:03'],
      [{ type: 'unknown' }, 'Garage: camera event 19:03'],
      [{ type: 'test', category: 'test' }, 'Garage: test 19:03'],
    ];
    for (const [change, expected] of table) assert.equal(renderTemplate('{summary}', { ...camera, ...change }, berlin), expected);
    assert.equal(renderTemplate('{summary}', camera, { timeZone: 'UTC' }), 'Garage: motion 18:03');
  });

  it('{summary} of a panel event is its line, with zone and sensor before it where the line does not name them', () => {
    const table: [Partial<AlarmEvent>, string][] = [
      [{}, 'Zone:1 Terrasse, Innenbereich Alarm'],
      [{ text: 'Ereignis: Einbruch', zone: 4, sensor: 'Keller' }, 'Zone 4 Keller: Ereignis: Einbruch'],
      [{ text: 'Einbruch Zone 4', zone: 4, sensor: 'Keller' }, 'Keller: Einbruch Zone 4'],
      [{ text: 'Einbruch Keller', zone: 14, sensor: 'Keller' }, 'Zone 14: Einbruch Keller'],
      [{ text: 'Einbruch Zone 14', zone: 4, sensor: null }, 'Zone 4: Einbruch Zone 14'],
      [{ text: 'Feuer im Keller', zone: null, sensor: null }, 'Feuer im Keller'],
      [{ text: '', zone: 2, sensor: 'Flur' }, 'Zone 2 Flur'],
    ];
    for (const [change, expected] of table) assert.equal(renderTemplate('{summary}', { ...panel, ...change }, berlin), expected);
  });

  it('is {summary} by default in both text outputs; a template given is used as written, {text} alone too', () => {
    assert.equal(smsSection.parse({}).template, '{summary}');
    assert.equal(telegramSchema.parse({}).template, '{summary}');
    // A YAML user who wants the raw line gets it: only the add-on's saved options are migrated (config/addon.ts).
    assert.equal(telegramSchema.parse({ template: '{text}' }).template, '{text}');
    assert.equal(smsSection.parse({ template: '{text}' }).template, '{text}');
    assert.equal(messageTemplate.parse('Kamera {sensor}: {text}'), 'Kamera {sensor}: {text}');
  });
});
