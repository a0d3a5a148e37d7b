// Intake policy tables: networks (IPv4, IPv6, IPv4-mapped), recipients, credentials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { homeNetworks, isAllowedAddress, parseNetworks } from '../../src/core/networks.js';
import { smsModule } from '../../src/outputs/sms/module.js';
import { acceptsRecipient, checkCredentials } from '../../src/smtp/policy.js';

describe('isAllowedAddress with the default home networks', () => {
  const networks = parseNetworks(homeNetworks);
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['192.168.1.20', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['169.254.10.10', true],
    ['::ffff:192.168.1.20', true],
    ['::ffff:8.8.8.8', false],
    ['::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['8.8.8.8', false],
    ['2001:db8::1', false],
    ['not an address', false],
  ];
  for (const [address, allowed] of table)
    it(`${address} → ${allowed ? 'allowed' : 'refused'}`, () => assert.equal(isAllowedAddress(address, networks), allowed));

  it('takes the user’s own list', () => {
    assert.equal(isAllowedAddress('203.0.113.7', parseNetworks(['203.0.113.0/24'])), true);
    assert.equal(isAllowedAddress('192.168.1.20', parseNetworks(['203.0.113.0/24'])), false);
  });
});

describe('acceptsRecipient', () => {
  const policy = { alarm: ['alarm'], status: ['status'], outputAddress: smsModule.addresses!(smsModule.schema.parse({})) };
  it('accepts the alarm and status local parts in any case, on any domain', () => {
    for (const address of ['alarm@bridge.local', 'ALARM@x', 'Status@panel']) assert.equal(acceptsRecipient(address, policy), true, address);
  });
  it('accepts phone numbers, whether an SMS provider is set or not (dry-run)', () => {
    assert.equal(acceptsRecipient('+4915112345678@sms.local', policy), true);
    assert.equal(acceptsRecipient('015112345678@sms.local', policy), true);
  });
  it('accepts camera addresses in any case once cameras are known, and not before', () => {
    const withCameras = { ...policy, camera: ['camera', 'garage'] };
    for (const address of ['camera@bridge.local', 'CAMERA@x', 'Garage@nvr'])
      assert.equal(acceptsRecipient(address, withCameras), true, address);
    assert.equal(acceptsRecipient('camera@bridge.local', policy), false);
    assert.equal(acceptsRecipient('cameras@bridge.local', withCameras), false);
  });
  it('refuses everything else: no relay', () => {
    for (const address of ['postmaster@bridge.local', 'someone@gmail.com', '12@sms.local', 'alarm.x@y', ''])
      assert.equal(acceptsRecipient(address, policy), false, address);
  });
});

describe('checkCredentials', () => {
  const users = [{ username: 'xt1', password: 's3cret' }];
  it('accepts the configured user only', () => {
    assert.equal(checkCredentials(users, 'xt1', 's3cret'), true);
    assert.equal(checkCredentials(users, 'xt1', 'wrong'), false);
    assert.equal(checkCredentials(users, 'other', 's3cret'), false);
    assert.equal(checkCredentials([], 'xt1', 's3cret'), false);
  });
});
