// The telegram section: defaults, chat ids as numbers or text, and the checks (the token never echoed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { telegramSchema } from '../../../src/outputs/telegram/config.js';

describe('telegram config', () => {
  it('is off by default, with the documented defaults', () => {
    assert.deepEqual(telegramSchema.parse({}), {
      bot_token: '',
      chat_ids: [],
      send_on: ['alarm', 'trouble', 'camera'],
      template: '{summary}',
      photos: true,
      max_per_hour: 30,
      retry_minutes: 60,
      api_url: '',
    });
  });

  it('takes chat ids as numbers or text, groups and channels included', () => {
    const parsed = telegramSchema.parse({ bot_token: '123456789:AAH-abc_def', chat_ids: [123456789, '-1001234567890', '@alarm_channel'] });
    assert.deepEqual(parsed.chat_ids, ['123456789', '-1001234567890', '@alarm_channel']);
  });

  it('refuses a token without chats, a malformed token and an unknown trigger, without echoing the token', () => {
    const token = '123456789:AAH-secret';
    const result = telegramSchema.safeParse({ bot_token: token, chat_ids: [] });
    assert.deepEqual(
      result.error?.issues.map((issue) => issue.path.join('.')),
      ['chat_ids'],
    );
    const trigger = telegramSchema.safeParse({ send_on: ['alarm', 'motion'] });
    assert.deepEqual(
      trigger.error?.issues.map((issue) => issue.path.join('.')),
      ['send_on.1'],
    );
    const malformed = telegramSchema.safeParse({ bot_token: 'AAH secret', chat_ids: [1] });
    assert.deepEqual(
      malformed.error?.issues.map((issue) => issue.path.join('.')),
      ['bot_token'],
    );
    assert.ok(!JSON.stringify([result.error?.issues, malformed.error?.issues]).includes('secret'));
  });
});
