// The status page's HTTP server: Node's own `http`, no framework (a dozen fixed routes need no router). It checks
// access before any route, bounds what a client may send or hold (body size, header and request time, connections,
// live streams), sets the headers that keep a mail's text from ever running as script (a strict CSP, nosniff), and
// serves the page's files from memory.
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../log.js';
import { type AccessPolicy, refusal } from './access.js';

/** A POST body (a pasted raw mail at most): larger ones get 413. */
export const maxBodyBytes = 1024 * 1024;
/** Connections at once: a page, its stream, a Prometheus scraper and a health check need a handful. */
const maxConnections = 64;
/** Live streams at once (open pages); more get 503. */
const maxStreams = 16;
/** A stream whose reader does not keep up (this much unsent) is closed; the page reconnects and reloads. */
const maxStreamBacklogBytes = 1024 * 1024;
const keepAliveCommentMs = 15_000;

/** The page's files: `web/` at the top of the package, beside `dist/` and `src/` alike. */
const webFolder = fileURLToPath(new URL('../../../web/', import.meta.url));
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * No inline script or style and nothing from elsewhere: even a text from a mail that slipped into the markup could not
 * run. `frame-ancestors 'self'`: Home Assistant shows the page in a frame of its own origin (ingress).
 */
const pageSecurity = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface Request {
  method: string;
  /** The path below the page's root, without the query: `/`, `/api/events`. */
  path: string;
  query: URLSearchParams;
  /** A POST's JSON body (checked: `application/json`, at most maxBodyBytes); undefined for a GET. */
  body: unknown;
}

export type Reply =
  | { json: unknown; status?: number }
  | { bytes: Buffer; contentType: string; status?: number }
  | { text: string; contentType: string; status?: number }
  | { stream: (send: (event: string, data: unknown) => void) => () => void };

export type Routes = (request: Request) => Promise<Reply | undefined> | Reply | undefined;

export class PageServer {
  readonly #server: Server;
  readonly #routes: Routes;
  readonly #policy: AccessPolicy;
  readonly #log: Logger;
  readonly #files = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly #streams = new Set<ServerResponse>();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(routes: Routes, policy: AccessPolicy, log: Logger) {
    this.#routes = routes;
    this.#policy = policy;
    this.#log = log;
    this.#server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (request, response) => {
      void this.#handle(request, response);
    });
    this.#server.maxConnections = maxConnections;
    this.#server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** Loads the page's files, then listens; resolves with the bound address. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await this.#loadFiles();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#keepAlive = setInterval(() => {
      for (const stream of this.#streams) stream.write(': keep-alive\n\n');
    }, keepAliveCommentMs).unref();
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    clearInterval(this.#keepAlive);
    for (const stream of this.#streams) stream.end();
    this.#streams.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #loadFiles(): Promise<void> {
    for (const name of await readdir(webFolder)) {
      const contentType = contentTypes[extname(name)];
      if (contentType) this.#files.set(`/${name}`, { bytes: await readFile(join(webFolder, name)), contentType });
    }
    const index = this.#files.get('/index.html');
    if (index) this.#files.set('/', index);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const refused = refusal(request, this.#policy);
      if (refused) throw new HttpError(403, refused);
      const url = new URL(request.url ?? '/', 'http://page');
      const method = request.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw new HttpError(405, 'method not allowed');
      const file = method !== 'POST' ? this.#files.get(url.pathname) : undefined;
      if (file) return this.#send(response, 200, file.bytes, file.contentType, 'no-cache');
      const body = method === 'POST' ? await readJson(request) : undefined;
      const reply = await this.#routes({ method, path: url.pathname, query: url.searchParams, body });
      if (!reply) throw new HttpError(404, 'not found');
      if ('stream' in reply) return this.#stream(request, response, reply.stream);
      if ('json' in reply)
        return this.#send(response, reply.status ?? 200, Buffer.from(JSON.stringify(reply.json)), 'application/json; charset=utf-8');
      if ('text' in reply) return this.#send(response, reply.status ?? 200, Buffer.from(reply.text), reply.contentType);
      return this.#send(response, reply.status ?? 200, reply.bytes, reply.contentType, 'private, max-age=86400');
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) this.#log.error({ err: error, path: request.url }, 'status page request failed');
      const message = error instanceof HttpError ? error.message : 'internal error (see the log)';
      this.#send(response, status, Buffer.from(JSON.stringify({ error: message })), 'application/json; charset=utf-8');
    }
  }

  #send(response: ServerResponse, status: number, bytes: Buffer, contentType: string, cache = 'no-store'): void {
    response.writeHead(status, { ...pageSecurity, 'content-type': contentType, 'content-length': bytes.length, 'cache-control': cache });
    response.end(response.req.method === 'HEAD' ? undefined : bytes);
  }

  /** Server-Sent Events: `event: <name>` and one JSON line per message, a comment every 15 s so proxies keep it open. */
  #stream(request: IncomingMessage, response: ServerResponse, open: (send: (event: string, data: unknown) => void) => () => void): void {
    if (this.#streams.size >= maxStreams) throw new HttpError(503, 'too many open pages');
    response.writeHead(200, {
      ...pageSecurity,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Nginx and similar proxies pass it on at once instead of buffering it.
      'x-accel-buffering': 'no',
    });
    response.write(': stream open\n\n');
    this.#streams.add(response);
    const unsubscribe = open((event, data) => {
      if (response.writableLength > maxStreamBacklogBytes) {
        response.destroy();
        return;
      }
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    request.socket.setTimeout(0);
    response.on('close', () => {
      this.#streams.delete(response);
      unsubscribe();
    });
  }
}

/** A POST's body as JSON: only `application/json`, which a web page cannot send to another site without asking it first (CORS). */
async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/iu.test(type)) throw new HttpError(415, 'send JSON (Content-Type: application/json)');
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) throw new HttpError(413, `at most ${maxBodyBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, `at most ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}
