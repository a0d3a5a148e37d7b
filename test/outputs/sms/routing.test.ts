// Who gets an SMS: an event's own numbers (to.sms), numbers in the recipient addresses, else the defaults for the
// categories in send_on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent, Category } from '../../../src/core/event.js';
import { smsRecipients } from '../../../src/outputs/sms/routing.js';

const routing = { defaultRecipients: ['+491701234567', '+491709876543'], sendOn: ['alarm', 'trouble'] as Category[], defaultRegion: 'DE' };

function event(category: Category, recipients: string[]): AlarmEvent {
  return {
    id: 'm',
    time: '',
    input: 'smtp',
    source: 'xt1',
    category,
    type: 'x',
    alarm_state: null,
    zone: null,
    sensor: null,
    user: null,
    text: 'x',
    from: '',
    recipients,
    subject: '',
  };
}

describe('smsRecipients', () => {
  it('sends alarm and trouble to the default recipients', () => {
    assert.deepEqual(smsRecipients(event('alarm', ['alarm@bridge.local']), routing).numbers, routing.defaultRecipients);
    assert.deepEqual(smsRecipients(event('trouble', ['status@bridge.local']), routing).numbers, routing.defaultRecipients);
  });

  it('sends nothing for categories not in send_on', () => {
    assert.deepEqual(smsRecipients(event('status', ['status@bridge.local']), routing).numbers, []);
    assert.deepEqual(smsRecipients(event('test', ['alarm@bridge.local']), routing).numbers, []);
  });

  it('sends an explicit number whatever the category, and only to it', () => {
    assert.deepEqual(smsRecipients(event('status', ['+4915112345678@sms.local']), routing).numbers, ['+4915112345678']);
  });

  it('reads every notation of a number in the local part, each number once', () => {
    const recipients = ['004915112345678@sms.local', '015112345678@sms.local', '+4916012345678@x', 'alarm@bridge.local'];
    assert.deepEqual(smsRecipients(event('alarm', recipients), routing).numbers, ['+4915112345678', '+4916012345678']);
  });

  it('ignores local parts that are no valid number', () => {
    assert.deepEqual(smsRecipients(event('status', ['12345@sms.local', 'zone1@x']), routing).numbers, []);
  });

  it('sends an event that names its numbers (to.sms) to those alone, whatever its category and send_on', () => {
    const raised = { ...event('status', ['+4915112345678@sms.local']), to: { sms: ['0170 5550001', '+49 170 5550001', '+4915199990001'] } };
    assert.deepEqual(smsRecipients(raised, routing), { numbers: ['+491705550001', '+4915199990001'], unreadable: [] });
  });

  it('sends an event whose targets name no SMS number nowhere, and keeps unreadable targets apart', () => {
    assert.deepEqual(smsRecipients({ ...event('alarm', []), to: { telegram: ['123456789'] } }, routing), { numbers: [], unreadable: [] });
    assert.deepEqual(smsRecipients({ ...event('alarm', []), to: { sms: ['12', 'zone1', '0170 5550001'] } }, routing), {
      numbers: ['+491705550001'],
      unreadable: ['12', 'zone1'],
    });
  });

  it('routes an event without mail fields (a raised one) by its category alone', () => {
    const raised: AlarmEvent = {
      id: 'r',
      time: '',
      input: 'raised',
      source: 'supervision',
      category: 'trouble',
      type: 'source_silent',
      alarm_state: null,
      zone: null,
      sensor: null,
      user: null,
      text: 'Panel silent',
    };
    assert.deepEqual(smsRecipients(raised, routing).numbers, routing.defaultRecipients);
    assert.deepEqual(smsRecipients({ ...raised, category: 'status' }, routing).numbers, []);
  });

  it('sends an alarm that came by another input first (duplicate_of) to no default recipient, but to its own numbers', () => {
    assert.deepEqual(smsRecipients({ ...event('alarm', ['alarm@bridge.local']), duplicate_of: 'm1' }, routing).numbers, []);
    assert.deepEqual(smsRecipients({ ...event('alarm', ['+4915112345678@sms.local']), duplicate_of: 'm1' }, routing).numbers, [
      '+4915112345678',
    ]);
  });
});
