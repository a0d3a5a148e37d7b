// A stand-in for Home Assistant's ingress, doing what Core (homeassistant/components/hassio/ingress.py, and the
// headers middleware of components/http/headers.py) and the Supervisor (supervisor/api/ingress.py) do together
// between the browser and an add-on's page:
// - the browser asks for `/api/hassio_ingress/<token>/<path>?<query>` with the `ingress_session` cookie (401 without
//   it, 503 for an unknown token); the add-on gets `/<path>?<query>`, normalised, never above the prefix (400);
// - request headers pass as they came (Host, Origin, Sec-Fetch-*, Cookie included) except Content-Length/-Encoding,
//   Transfer-Encoding, Accept-Encoding, the WebSocket ones and the Supervisor's token and remote-user headers; added:
//   `X-Hass-Source: core.ingress`, `X-Ingress-Path: /api/hassio_ingress/<token>`, `X-Forwarded-For` (client, then
//   Core), `X-Forwarded-Host`, `X-Forwarded-Proto` and the session's `X-Remote-User-*`; the body is read whole;
// - an answer with a Content-Length up to ~4 MB is read whole and sent on (compressed when the type allows); any
//   other (Server-Sent Events) is streamed chunk by chunk with `X-Accel-Buffering: no`; redirects are not followed;
//   Content-Type keeps only its media type (`text/html; charset=utf-8` arrives as `text/html`);
// - every answer gets Core's `Referrer-Policy: no-referrer`, `X-Content-Type-Options: nosniff` and
//   `X-Frame-Options: SAMEORIGIN`;
// - the sidebar panel is HA's frontend page holding the add-on's page in an iframe (`panelUrl`).
// WebSockets, which ingress also relays, are left out: the page does not use them.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

/** Request headers neither Core nor the Supervisor pass on. */
const droppedRequestHeaders = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'accept-encoding',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-version',
  'sec-websocket-key',
  'x-supervisor-token',
  'x-hassio-key',
  'x-remote-user-id',
  'x-remote-user-name',
  'x-remote-user-display-name',
]);
/** Response headers both drop (Content-Type comes back as its media type alone). */
const droppedResponseHeaders = new Set(['transfer-encoding', 'content-length', 'content-type', 'content-encoding']);
/** Core's MAX_SIMPLE_RESPONSE_SIZE: up to this an answer with a Content-Length is read whole. */
const maxSimpleResponse = 4_194_000;
/** Core's MIN_COMPRESSED_SIZE. */
const minCompressed = 128;
/** Core's address on the hassio network: the Supervisor appends it to X-Forwarded-For. */
const coreAddress = '172.30.32.1';
/** Core's headers middleware, on every answer. */
const coreHeaders = { 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' };

/** Core's `should_compress` (components/hassio/http.py): never an event stream. */
function shouldCompress(contentType: string): boolean {
  if (contentType.startsWith('text/event-stream')) return false;
  if (contentType.startsWith('image/')) return contentType.includes('svg');
  if (contentType.startsWith('application/'))
    return contentType.includes('json') || contentType.includes('xml') || contentType.includes('javascript');
  return !/^(video|audio|font)\//.test(contentType);
}

/** What the add-on received, for tests that check the headers. */
export interface ForwardedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface IngressProxyOptions {
  /** The add-on's server, e.g. `http://127.0.0.1:8099`. */
  target: string;
  /** The add-on's slug in the panel's address. */
  slug?: string;
  /** The Home Assistant user the session belongs to. */
  user?: { id: string; username: string; name: string };
}

export class IngressProxy {
  /** The add-on's ingress token (the Supervisor makes it with `secrets.token_urlsafe(32)`). */
  readonly token = randomBytes(32).toString('base64url');
  /** The ingress session the frontend holds as the `ingress_session` cookie. */
  readonly session = randomBytes(64).toString('hex');
  readonly forwarded: ForwardedRequest[] = [];
  /** Requests answered here without reaching the add-on (outside the prefix, no session), with their status. */
  readonly refused: { path: string; status: number }[] = [];
  readonly #options: Required<IngressProxyOptions>;
  readonly #server: Server;
  /** Answers being streamed (the page's event stream), so `interrupt` can cut them. */
  readonly #streams = new Set<ServerResponse>();
  #held: Promise<void> | undefined;

  private constructor(options: IngressProxyOptions) {
    this.#options = {
      slug: 'alarm_mail_bridge',
      user: { id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', username: 'admin', name: 'Admin' },
      ...options,
    };
    this.#server = createServer((incoming, outgoing) => this.#handle(incoming, outgoing));
  }

  static async start(options: IngressProxyOptions): Promise<IngressProxy> {
    const proxy = new IngressProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The prefix the add-on's page is served under, as `X-Ingress-Path` names it. */
  get ingressPath(): string {
    return `/api/hassio_ingress/${this.token}`;
  }

  /** The add-on's page itself (the iframe's `src`, the Supervisor's `ingress_url`). */
  get url(): string {
    return `${this.origin}${this.ingressPath}/`;
  }

  /** Home Assistant's sidebar panel: sets the session cookie and shows the add-on's page in an iframe. */
  get panelUrl(): string {
    return `${this.origin}/hassio/ingress/${this.#options.slug}`;
  }

  /** The session cookie as the frontend sets it, for a browser context that opens the page without the panel. */
  get cookie(): { name: string; value: string; domain: string; path: string; sameSite: 'Strict' } {
    return { name: 'ingress_session', value: this.session, domain: '127.0.0.1', path: '/api/hassio_ingress/', sameSite: 'Strict' };
  }

  /**
   * The line through Home Assistant drops, as when Core restarts: streamed answers are cut, and requests wait until
   * `resume()` (none is lost, as a browser's retry would not be).
   */
  interrupt(): { resume(): void } {
    let release = () => {};
    this.#held = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const stream of this.#streams) stream.destroy();
    return {
      resume: () => {
        this.#held = undefined;
        release();
      },
    };
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const route = this.#route(incoming);
    if ('panel' in route) this.#panel(outgoing);
    else if ('refused' in route) {
      this.refused.push({ path: incoming.url ?? '', status: route.refused });
      plain(outgoing, route.refused, route.text);
    } else
      void this.#forward(incoming, outgoing, route.path).catch(() => {
        if (!outgoing.headersSent) plain(outgoing, 502, '502: Bad Gateway');
        else outgoing.destroy();
      });
  }

  /** The frontend's page, the add-on's path for a request to pass on, or the status it is refused with. */
  #route(incoming: IncomingMessage): { panel: true } | { path: string } | { refused: number; text: string } {
    const path = (incoming.url ?? '/').split('?')[0]!;
    if (incoming.method === 'GET' && path === `/hassio/ingress/${this.#options.slug}`) return { panel: true };
    const match = /^\/api\/hassio_ingress\/([^/]+)\/(.*)$/s.exec(incoming.url ?? '');
    if (!match) return { refused: 404, text: '404: Not Found' };
    if (cookie(incoming, 'ingress_session') !== this.session) return { refused: 401, text: '401: Unauthorized' };
    if (match[1] !== this.token) return { refused: 503, text: '503: Service Unavailable' };
    // Core joins the path onto /ingress/<token>/ and refuses whatever lands outside it.
    const base = `/ingress/${this.token}`;
    const resolved = new URL(`${base}/${match[2]}`, 'http://supervisor');
    if (!resolved.pathname.startsWith(`${base}/`)) return { refused: 400, text: '400: Bad Request' };
    return { path: resolved.pathname.slice(base.length) + resolved.search };
  }

  #panel(outgoing: ServerResponse): void {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Home Assistant</title><link rel="icon" href="data:,"></head><body>
<iframe title="Alarm Mail Bridge" src="${this.ingressPath}/" style="width:100%;height:96vh;border:0"></iframe></body></html>`;
    outgoing.writeHead(200, {
      ...coreHeaders,
      'content-type': 'text/html; charset=utf-8',
      // The frontend sets it from script; the cookie is the same.
      'set-cookie': `ingress_session=${this.session}; Path=/api/hassio_ingress/; SameSite=Strict`,
    });
    outgoing.end(html);
  }

  async #forward(incoming: IncomingMessage, outgoing: ServerResponse, path: string): Promise<void> {
    await this.#held;
    const headers: OutgoingHttpHeaders = {};
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
      const name = incoming.rawHeaders[i]!.toLowerCase();
      if (droppedRequestHeaders.has(name)) continue;
      const value = incoming.rawHeaders[i + 1]!;
      const before = headers[name];
      headers[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [String(before)]), value];
    }
    const client = incoming.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const forwardedFor = incoming.headers['x-forwarded-for'];
    Object.assign(headers, {
      'x-remote-user-id': this.#options.user.id,
      'x-remote-user-name': this.#options.user.username,
      'x-remote-user-display-name': this.#options.user.name,
      'x-hass-source': 'core.ingress',
      'x-ingress-path': this.ingressPath,
      'x-forwarded-for': `${forwardedFor ? `${forwardedFor}, ` : ''}${client}, ${coreAddress}`,
      'x-forwarded-host': incoming.headers['x-forwarded-host'] ?? incoming.headers.host,
      'x-forwarded-proto': incoming.headers['x-forwarded-proto'] ?? 'http',
    });
    // The Supervisor reads the whole body and sends it with its length (no body for a GET from Core).
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = incoming.method === 'GET' ? Buffer.alloc(0) : Buffer.concat(chunks);
    if (incoming.method !== 'GET') headers['content-length'] = String(body.length);
    this.forwarded.push({ method: incoming.method ?? 'GET', path, headers: lowerCased(headers) });

    const target = new URL(path, this.#options.target);
    const upstream = request(target, { method: incoming.method, headers });
    outgoing.once('close', () => upstream.destroy());
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      upstream.once('response', resolve);
      upstream.once('error', reject);
      upstream.end(body);
    });
    outgoing.once('close', () => answer.destroy());
    await this.#answer(incoming, outgoing, answer);
  }

  async #answer(incoming: IncomingMessage, outgoing: ServerResponse, answer: IncomingMessage): Promise<void> {
    const status = answer.statusCode ?? 502;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) if (!droppedResponseHeaders.has(name)) headers[name] = value;
    Object.assign(headers, coreHeaders);
    const contentType = (answer.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim();

    if (incoming.method === 'HEAD' || status === 204 || status === 304 || status < 200) {
      answer.resume();
      outgoing.writeHead(status, { ...headers, ...(answer.headers['content-type'] ? { 'content-type': contentType } : {}) }).end();
      return;
    }
    const length = answer.headers['content-length'];
    const gzip = /\bgzip\b/.test(String(incoming.headers['accept-encoding'] ?? '')) && shouldCompress(contentType);
    if (length !== undefined && Number(length) <= maxSimpleResponse) {
      const chunks: Buffer[] = [];
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      let body = Buffer.concat(chunks);
      if (gzip && body.length > minCompressed) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      outgoing.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length }).end(body);
      return;
    }
    // Streamed: each chunk goes on as it comes, unless compressed (which holds bytes back, as aiohttp's does).
    outgoing.writeHead(status, {
      ...headers,
      'content-type': contentType,
      'x-accel-buffering': 'no',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    this.#streams.add(outgoing);
    outgoing.once('close', () => this.#streams.delete(outgoing));
    if (gzip) await pipeline(answer, createGzip(), outgoing);
    else await pipeline(answer, outgoing);
  }
}

function plain(outgoing: ServerResponse, status: number, text: string): void {
  outgoing.writeHead(status, { ...coreHeaders, 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function cookie(incoming: IncomingMessage, name: string): string | undefined {
  for (const part of (incoming.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function lowerCased(headers: OutgoingHttpHeaders): IncomingMessage['headers'] {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}
