// The ingress stand-in does what Home Assistant's ingress does to requests and answers (see ingress-proxy.ts), so a
// page that passes through it has met the prefix, the headers and the streaming it will meet in an add-on.
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cleanUp } from './cleanup.js';
import { IngressProxy } from './ingress-proxy.js';

describe('ingress proxy stand-in', () => {
  let upstream: Server;
  let proxy: IngressProxy;
  const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let sendChunk: ((text: string) => void) | undefined;

  before(async () => {
    upstream = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      seen.push({ url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        response.write(': open\n\n');
        sendChunk = (text) => response.write(text);
        return;
      }
      const page = '<!doctype html>'.padEnd(400, ' ');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'x-own': 'kept' }).end(page);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await IngressProxy.start({ target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });
  after(() =>
    cleanUp(
      () => proxy.stop(),
      () => {
        upstream.closeAllConnections();
        upstream.close();
      },
    ),
  );

  const session = () => ({ cookie: `ingress_session=${proxy.session}` });

  it('passes a request below the prefix on without it, with the headers Home Assistant adds', async () => {
    const response = await fetch(`${proxy.url}api/events?limit=5`, {
      method: 'POST',
      headers: { ...session(), 'content-type': 'application/json', origin: proxy.origin, 'x-supervisor-token': 'secret' },
      body: '{}',
    });
    assert.equal(response.status, 200);
    const request = seen.at(-1)!;
    assert.equal(request.url, '/api/events?limit=5');
    assert.equal(request.body, '{}');
    assert.equal(request.headers['x-ingress-path'], proxy.ingressPath);
    assert.equal(request.headers['x-hass-source'], 'core.ingress');
    assert.equal(request.headers['x-forwarded-for'], '127.0.0.1, 172.30.32.1');
    assert.equal(request.headers.host, new URL(proxy.origin).host, 'the browser’s Host passes unchanged');
    assert.equal(request.headers['x-forwarded-host'], new URL(proxy.origin).host);
    assert.equal(request.headers.origin, proxy.origin);
    assert.equal(request.headers['x-supervisor-token'], undefined);
    assert.equal(request.headers['content-length'], '2');
    // The answer: its media type without parameters, compressed, Core's headers on top of the add-on's own.
    assert.equal(response.headers.get('content-type'), 'text/html');
    assert.equal(response.headers.get('x-own'), 'kept');
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    assert.match(await response.text(), /^<!doctype html>/);
  });

  it('refuses a request without the session, with an unknown token, or leaving the prefix', async () => {
    assert.equal((await fetch(proxy.url)).status, 401);
    assert.equal((await fetch(`${proxy.origin}/api/hassio_ingress/other/`, { headers: session() })).status, 503);
    assert.equal((await fetch(`${proxy.origin}/api/hassio_ingress/${proxy.token}`, { headers: session() })).status, 404);
    // fetch() would resolve the dots itself; a raw request sends them as they are.
    const escaping = await new Promise<number | undefined>((resolve, reject) =>
      get(
        { host: '127.0.0.1', port: new URL(proxy.origin).port, path: `${proxy.ingressPath}/%2e%2e/%2e%2e/x`, headers: session() },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      ).once('error', reject),
    );
    assert.equal(escaping, 400);
    assert.deepEqual(
      proxy.refused.map((refused) => refused.status),
      [401, 503, 404, 400],
    );
  });

  it('streams an answer without a length chunk by chunk, and cuts it when the line drops', async () => {
    const response = await fetch(`${proxy.url}stream`, { headers: session() });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.headers.get('x-accel-buffering'), 'no');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    assert.equal(decoder.decode((await reader.read()).value), ': open\n\n');
    sendChunk?.('event: event\ndata: {}\n\n');
    assert.equal(decoder.decode((await reader.read()).value), 'event: event\ndata: {}\n\n', 'each chunk as it comes');
    const line = proxy.interrupt();
    await assert.rejects(reader.read());
    const held = fetch(`${proxy.url}later`, { headers: session() });
    const waited = await Promise.race([held.then(() => 'answered'), new Promise((resolve) => setTimeout(resolve, 100, 'held'))]);
    assert.equal(waited, 'held');
    line.resume();
    assert.equal((await held).status, 200);
  });
});
