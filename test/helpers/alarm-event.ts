// An event as the pipeline hands it to the outputs (an XT1 intrusion by mail), for the outputs' tests: each call a
// new id, in order, and whatever a test needs different given as overrides.
import type { AlarmEvent } from '../../src/core/event.js';

let sequence = 0;

export function alarmEvent(overrides: Partial<AlarmEvent> = {}): AlarmEvent {
  sequence += 1;
  return {
    id: `20261121T180312345Z-${String(sequence).padStart(6, '0')}-abcd`,
    time: '',
    input: 'smtp',
    source: 'xt1',
    category: 'alarm',
    type: 'intrusion',
    alarm_state: null,
    zone: null,
    sensor: null,
    user: null,
    text: 'Innenbereich Alarm',
    from: '',
    recipients: ['alarm@bridge.local'],
    subject: '',
    ...overrides,
  };
}
