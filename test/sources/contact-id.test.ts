// The Contact ID profile: a report's code, qualifier, partition and zone or user → the event, with the mail path's
// types and states where they mean the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ContactIdReport, contactIdEvent } from '../../src/sources/contact-id/index.js';

const time = '2026-12-03T10:00:00.000Z';
const report = (qualifier: number, code: string, zone = '003', partition = '01'): ContactIdReport => ({
  account: '1234',
  qualifier,
  code,
  partition,
  zone,
});
const eventOf = (qualifier: number, code: string, zone?: string) => contactIdEvent(report(qualifier, code, zone), 'id1', time);
const pick = ({ category, type, alarm_state, zone, user, text }: ReturnType<typeof eventOf>) => ({
  category,
  type,
  alarm_state,
  zone,
  user,
  text,
});

describe('Contact ID profile', () => {
  it('makes a burglary an intrusion of its zone that triggers, with code, qualifier, partition and account', () => {
    const event = eventOf(1, '130');
    assert.deepEqual(event, {
      id: 'id1',
      time,
      input: 'contact_id',
      source: 'contact_id',
      category: 'alarm',
      type: 'intrusion',
      alarm_state: 'triggered',
      zone: 3,
      sensor: null,
      user: null,
      text: 'Burglary zone 3 (E130 P01 Z003)',
      details: { code: '130', qualifier: 1, partition: 1, account: '1234' },
    });
  });

  it('reads the alarm codes with the mail path’s types', () => {
    const types = ['110', '111', '120', '121', '131', '137', '144', '151', '154', '100', '140', '199'].map((code) => eventOf(1, code).type);
    assert.deepEqual(types, [
      'fire',
      'smoke',
      'panic',
      'duress',
      'intrusion',
      'tamper',
      'tamper',
      'gas',
      'water',
      'emergency',
      'alarm',
      'alarm',
    ]);
    for (const code of ['110', '120', '137', '199']) assert.equal(eventOf(1, code).alarm_state, 'triggered', code);
  });

  it('makes a restore a status that ends its condition and never triggers', () => {
    assert.deepEqual(pick(eventOf(3, '130')), {
      category: 'status',
      type: 'restored',
      alarm_state: null,
      zone: 3,
      user: null,
      text: 'Burglary restored zone 3 (R130 P01 Z003)',
    });
    assert.equal(eventOf(3, '137').type, 'tamper_restored');
    assert.equal(eventOf(3, '147').type, 'supervision_restored');
  });

  it('reads open/close with the user: an opening disarms, a closing arms away, or home for stay codes', () => {
    assert.deepEqual(pick(eventOf(1, '401', '002')), {
      category: 'status',
      type: 'disarmed',
      alarm_state: 'disarmed',
      zone: null,
      user: 'User 2',
      text: 'Disarmed by user 2 (E401 P01 U002)',
    });
    assert.deepEqual(
      [eventOf(3, '401').alarm_state, eventOf(3, '407').alarm_state, eventOf(3, '441').alarm_state, eventOf(1, '441').alarm_state],
      ['armed_away', 'armed_away', 'armed_home', 'disarmed'],
    );
    assert.equal(eventOf(3, '401', '000').text, 'Armed away (R401 P01 U000)');
  });

  it('reads troubles, tests and unknown codes by their hundreds; zone 000 is the panel itself', () => {
    assert.deepEqual(pick(eventOf(1, '301', '000')), {
      category: 'trouble',
      type: 'power_failure',
      alarm_state: null,
      zone: null,
      user: null,
      text: 'AC power loss (E301 P01 Z000)',
    });
    assert.deepEqual(
      [eventOf(1, '302').type, eventOf(1, '384').type, eventOf(1, '399').category],
      ['low_battery', 'low_battery', 'trouble'],
    );
    const test = eventOf(1, '602', '000');
    assert.deepEqual(
      [test.category, test.type, test.alarm_state, test.text],
      ['test', 'periodic_test', null, 'Periodic test (E602 P01 Z000)'],
    );
    assert.deepEqual([eventOf(1, '570').category, eventOf(1, '570').type], ['status', 'unknown']);
  });

  it('tells a condition still present (6) as a status that changes no state', () => {
    const event = eventOf(6, '130');
    assert.deepEqual(
      [event.category, event.type, event.alarm_state, event.text],
      ['status', 'intrusion', null, 'Burglary still present zone 3 (S130 P01 Z003)'],
    );
  });
});
