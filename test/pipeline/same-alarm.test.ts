// The same alarm by mail and by Contact ID: the later of the two is the duplicate, each pairs once, and alarms of
// another zone, type or time, or of one input alone, stay apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../src/core/event.js';
import { SameAlarms } from '../../src/pipeline/same-alarm.js';
import { alarmEvent } from '../helpers/alarm-event.js';

const start = Date.parse('2026-12-03T10:00:00.000Z');
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();
const mail = (seconds: number, overrides: Partial<AlarmEvent> = {}) => alarmEvent({ time: at(seconds), zone: 3, ...overrides });
const report = (seconds: number, overrides: Partial<AlarmEvent> = {}) =>
  alarmEvent({ time: at(seconds), input: 'contact_id', source: 'contact_id', zone: 3, recipients: undefined, ...overrides });

describe('same alarm by two inputs', () => {
  it('marks the later of a mail and a report of one zone and type, whichever came first', () => {
    const alarms = new SameAlarms();
    const first = mail(0);
    assert.equal(alarms.duplicateOf(first), undefined);
    assert.equal(alarms.duplicateOf(report(5)), first.id);
    const reportFirst = report(600, { zone: 7 });
    assert.equal(alarms.duplicateOf(reportFirst), undefined);
    assert.equal(alarms.duplicateOf(mail(620, { zone: 7 })), reportFirst.id);
  });

  it("pairs troubles too, never another device's mail, and answers a retried event the same", () => {
    const alarms = new SameAlarms();
    const trouble = mail(0, { category: 'trouble', type: 'supervision_failure' });
    assert.equal(alarms.duplicateOf(trouble), undefined);
    const troubleReport = report(4, { category: 'trouble', type: 'supervision_failure' });
    assert.equal(alarms.duplicateOf(troubleReport), trouble.id);
    assert.equal(alarms.duplicateOf(troubleReport), trouble.id, 'asked again after a failed step: the same answer');
    const other = mail(60, { source: 'key-value', zone: 9 });
    assert.equal(alarms.duplicateOf(other), undefined);
    assert.equal(alarms.duplicateOf(report(62, { zone: 9 })), undefined, "a second device's alarm keeps its SMS");
  });

  it('makes two of two real alarms in one zone minutes apart, each by both paths', () => {
    const alarms = new SameAlarms();
    const [mailA, reportA, mailB, reportB] = [mail(0), report(3), mail(180), report(182)];
    assert.deepEqual(
      [mailA, reportA, mailB, reportB].map((event) => alarms.duplicateOf(event)),
      [undefined, mailA.id, undefined, mailB.id],
    );
  });

  it('pairs each alarm once, also when two come close together by both paths in any order', () => {
    const alarms = new SameAlarms();
    const [mailA, mailB, reportA, reportB] = [mail(0), mail(20), report(21), report(22)];
    assert.deepEqual(
      [mailA, mailB, reportA, reportB].map((event) => alarms.duplicateOf(event)),
      [undefined, undefined, mailA.id, mailB.id],
    );
    assert.equal(alarms.duplicateOf(report(23)), undefined, 'a third report has no mail left to pair with');
  });

  it('keeps apart another zone, another type, one input alone, and alarms further apart than the window', () => {
    const alarms = new SameAlarms(120_000);
    alarms.duplicateOf(mail(0));
    assert.equal(alarms.duplicateOf(report(1, { zone: 4 })), undefined);
    assert.equal(alarms.duplicateOf(report(2, { type: 'fire' })), undefined);
    assert.equal(alarms.duplicateOf(mail(3)), undefined);
    const late = new SameAlarms(120_000);
    late.duplicateOf(mail(0));
    assert.equal(late.duplicateOf(report(121)), undefined);
  });

  it('pairs a mail no profile knew (type alarm) or without a zone with a report of that time', () => {
    const alarms = new SameAlarms();
    const unknownLine = mail(0, { type: 'alarm', zone: null });
    alarms.duplicateOf(unknownLine);
    assert.equal(alarms.duplicateOf(report(4)), unknownLine.id);
  });

  it('never pairs what is no alarm of the panel: status, raised, test, a camera, an event with its own recipients', () => {
    const alarms = new SameAlarms();
    alarms.duplicateOf(mail(0));
    for (const other of [
      report(1, { category: 'status', type: 'intrusion' }),
      report(1, { input: 'raised' }),
      report(1, { input: 'test' }),
      report(1, { device: 'cam1' }),
      report(1, { to: { sms: ['+491701234567'] } }),
    ])
      assert.equal(alarms.duplicateOf(other), undefined);
  });
});
