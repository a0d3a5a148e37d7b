// Who may use the status page, request by request: the address, the host name asked for, and a POST's origin.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { accessPolicy, refusal } from '../../../src/features/http/access.js';
import { addonHttp } from '../../../src/features/http/config.js';

function request(remoteAddress: string, headers: Record<string, string> = {}, method = 'GET'): IncomingMessage {
  return { socket: { remoteAddress }, headers: { host: '127.0.0.1:8099', ...headers }, method } as unknown as IncomingMessage;
}

describe('status page access', () => {
  const standalone = accessPolicy([], []);
  const lan = accessPolicy(['192.168.1.0/24'], ['pi.local']);
  const addon = accessPolicy(addonHttp.allowed_networks, addonHttp.host_names);

  it('lets this machine in always, and strangers never', () => {
    assert.equal(refusal(request('127.0.0.1'), standalone), undefined);
    assert.equal(refusal(request('::1', { host: '[::1]:8099' }), standalone), undefined);
    assert.equal(refusal(request('::ffff:127.0.0.1'), standalone), undefined);
    assert.equal(refusal(request('192.168.1.20'), standalone), 'address not allowed');
    assert.equal(refusal(request('192.168.1.20', { host: '192.168.1.5:8099' }), lan), undefined);
    assert.equal(refusal(request('192.168.2.20', { host: '192.168.1.5:8099' }), lan), 'address not allowed');
  });

  it("in the add-on answers the Supervisor's ingress proxy and the container itself only", () => {
    assert.equal(refusal(request('172.30.32.2', { host: 'homeassistant.local:8123' }), addon), undefined);
    assert.equal(refusal(request('::ffff:172.30.32.2'), addon), undefined);
    assert.equal(refusal(request('127.0.0.1'), addon), undefined);
    for (const stranger of ['172.30.32.1', '172.30.33.5', '192.168.1.20'])
      assert.equal(refusal(request(stranger), addon), 'address not allowed', stranger);
  });

  it('answers an IP address, localhost and the names listed, never a name a web site could point here', () => {
    for (const host of ['127.0.0.1:8099', 'localhost:8099', '[::1]:8099', '192.168.1.5:8099'])
      assert.equal(refusal(request('127.0.0.1', { host }), standalone), undefined, host);
    assert.match(refusal(request('127.0.0.1', { host: 'evil.example:8099' }), standalone) ?? '', /unknown host name/);
    assert.equal(refusal(request('192.168.1.20', { host: 'PI.local:8099' }), lan), undefined);
    assert.match(refusal(request('192.168.1.20', { host: 'evil.example' }), lan) ?? '', /unknown host name/);
  });

  it('refuses a POST a browser says is cross-site, and one from a foreign origin', () => {
    const post = (headers: Record<string, string>) => refusal(request('127.0.0.1', headers, 'POST'), standalone);
    assert.equal(post({ 'sec-fetch-site': 'same-origin' }), undefined);
    assert.equal(post({}), undefined, 'a program (curl) says neither');
    assert.equal(post({ 'sec-fetch-site': 'cross-site' }), 'cross-site request');
    assert.equal(post({ 'sec-fetch-site': 'same-site' }), 'cross-site request');
    assert.equal(post({ origin: 'http://127.0.0.1:8099' }), undefined);
    assert.equal(post({ origin: 'http://evil.example' }), 'cross-site request');
    assert.equal(post({ origin: 'null' }), 'cross-site request');
    // Behind Home Assistant's ingress the origin is Home Assistant's, which the proxy forwards as X-Forwarded-Host.
    const ingress = refusal(
      request('172.30.32.2', { host: '172.30.33.4:8099', origin: 'http://ha.local:8123', 'x-forwarded-host': 'ha.local:8123' }, 'POST'),
      addon,
    );
    assert.equal(ingress, undefined);
  });
});
