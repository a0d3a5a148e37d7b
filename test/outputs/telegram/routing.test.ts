// Which events go to Telegram: by category, and every camera event with `camera`; an event that names its chats to those.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { sendsToTelegram, type TelegramTrigger, telegramChats } from '../../../src/outputs/telegram/routing.js';

const base: AlarmEvent = {
  id: 'e',
  time: '',
  input: 'smtp',
  source: 'xt1',
  category: 'status',
  type: 'door_open',
  alarm_state: null,
  zone: 1,
  sensor: 'Tür',
  user: null,
  text: 'Zone:1 Tür, DC Open',
  from: '',
  recipients: [],
  subject: '',
};
const snapshot = { name: 'snapshot-1.jpg', content_type: 'image/jpeg', size: 3, sha256: 'ab' };

describe('sendsToTelegram', () => {
  const cameraSources = new Set(['hikvision']);
  const table: [name: string, event: AlarmEvent, sendOn: TelegramTrigger[], expected: boolean][] = [
    ['an alarm with alarm in send_on', { ...base, category: 'alarm' }, ['alarm', 'trouble', 'camera'], true],
    ['a status event without status', base, ['alarm', 'trouble', 'camera'], false],
    ['a status event with status', base, ['status'], true],
    ['a camera profile event without images', { ...base, source: 'hikvision' }, ['camera'], true],
    ['any event with images', { ...base, images: [snapshot] }, ['camera'], true],
    ['an event with an empty images list', { ...base, images: [] }, ['camera'], false],
    ['a camera profile "stop" event', { ...base, source: 'hikvision', phase: 'stop' }, ['alarm', 'status', 'camera'], false],
    ['a camera "stop" event with images', { ...base, images: [snapshot], phase: 'stop' }, ['camera'], false],
    ['a camera "start" event', { ...base, source: 'hikvision', phase: 'start' }, ['camera'], true],
    ['a camera event without camera in send_on', { ...base, source: 'hikvision', images: [snapshot] }, ['alarm'], false],
    ['an alarm that came by another input first (duplicate_of)', { ...base, category: 'alarm', duplicate_of: 'm1' }, ['alarm'], false],
  ];
  for (const [name, event, sendOn, expected] of table) {
    it(name, () => assert.equal(sendsToTelegram(event, { sendOn, cameraSources }), expected));
  }
});

describe('telegramChats', () => {
  const routing = { sendOn: ['alarm'] as TelegramTrigger[], cameraSources: new Set<string>(), chatIds: ['111111', '111111', '-1002222'] };

  it('sends by send_on to the configured chats, each once', () => {
    assert.deepEqual(telegramChats({ ...base, category: 'alarm' }, routing), { chats: ['111111', '-1002222'], unreadable: [] });
    assert.deepEqual(telegramChats(base, routing), { chats: [], unreadable: [] });
  });

  it('sends an event that names its chats (to.telegram) to those alone, whatever send_on, and nowhere when it names none', () => {
    assert.deepEqual(telegramChats({ ...base, to: { telegram: ['333333', '@alarm_channel', ' 333333 '] } }, routing), {
      chats: ['333333', '@alarm_channel'],
      unreadable: [],
    });
    assert.deepEqual(telegramChats({ ...base, category: 'alarm', to: { sms: ['+4915112345678'] } }, routing), {
      chats: [],
      unreadable: [],
    });
    assert.deepEqual(telegramChats({ ...base, to: { telegram: ['not a chat', '@ab'] } }, routing), {
      chats: [],
      unreadable: ['not a chat', '@ab'],
    });
  });
});
