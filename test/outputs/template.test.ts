// The template shared by the text outputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { renderTemplate } from '../../src/outputs/template.js';

describe('renderTemplate', () => {
  const event = { id: 'm', time: '2026-11-21T18:03:12.345Z', source: 'xt1', category: 'alarm', type: 'intrusion', alarm_state: 'triggered', zone: 1, sensor: 'Terrasse', user: null, text: 'Zone:1 Terrasse, Innenbereich Alarm', from: '', recipients: [], subject: '' } satisfies AlarmEvent;

  it('fills placeholders from the event, empty for missing values, and keeps unknown ones', () => {
    assert.equal(renderTemplate('[{category}] {type} Zone {zone} {sensor} {user}: {text} {nope}', event), '[alarm] intrusion Zone 1 Terrasse : Zone:1 Terrasse, Innenbereich Alarm {nope}');
    assert.equal(renderTemplate('{time}', event), '2026-11-21T18:03:12.345Z');
  });
});
