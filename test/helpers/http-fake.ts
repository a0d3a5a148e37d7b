// A local HTTP server for a provider fake: records every request and lets a test script the next answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body's bytes: a multipart upload is not UTF-8. */
  raw: Buffer;
}

export interface Answer {
  status: number;
  body: unknown;
}

/**
 * A request left unanswered, as a stalled gateway does: `silent` accepts it and never writes a byte; `trickle` sends
 * the headers and then a space every 100 ms without ever ending the body (a proxy keeping the line busy), which no
 * socket idle timeout notices.
 */
export type Stall = 'silent' | 'trickle';

export abstract class HttpFake {
  readonly requests: RecordedRequest[] = [];
  /** Answers to give before the documented behaviour, e.g. a 500 to test a retry. */
  readonly scripted: Answer[] = [];
  /** While set, answers wait for it: a slow provider, to see how many requests are sent at once. */
  hold: Promise<void> | undefined;
  /** The next requests to leave unanswered, first first; `stop()` closes their sockets. */
  readonly stalls: Stall[] = [];
  /** Called as each request arrives (benchmarks time it). */
  onRequest: (request: RecordedRequest) => void = () => undefined;
  #server: Server | undefined;
  #waiters: (() => void)[] = [];

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Resolves once `count` requests have arrived. */
  async received(count: number): Promise<RecordedRequest[]> {
    while (this.requests.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.requests;
  }

  protected abstract answer(request: RecordedRequest): Answer | Promise<Answer>;

  /**
   * A request that only reads (Twilio's message log, polled for replies): kept in `reads`, answered from
   * `scriptedReads` or as documented, never given a send's scripted answer or a stall, and not counted in
   * `requests`, which holds what was sent.
   */
  protected isRead(_request: RecordedRequest): boolean {
    return false;
  }

  readonly reads: RecordedRequest[] = [];
  /** Answers to give reads before the documented behaviour. */
  readonly scriptedReads: Answer[] = [];

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const recorded = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: raw.toString('utf8'), raw };
    if (this.isRead(recorded)) {
      this.reads.push(recorded);
      const { status, body } = this.scriptedReads.shift() ?? (await this.answer(recorded));
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    this.requests.push(recorded);
    this.onRequest(recorded);
    for (const wake of this.#waiters.splice(0)) wake();
    const stall = this.stalls.shift();
    if (stall) return stallOn(response, stall);
    await this.hold;
    const { status, body } = this.scripted.shift() ?? (await this.answer(recorded));
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }
}

function stallOn(response: ServerResponse, stall: Stall): void {
  if (stall === 'silent') return;
  response.writeHead(200, { 'Content-Type': 'application/json' }).write('{');
  const trickle = setInterval(() => response.write(' '), 100);
  response.once('close', () => clearInterval(trickle));
}
