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

export abstract class HttpFake {
  readonly requests: RecordedRequest[] = [];
  /** Answers to give before the documented behaviour, e.g. a 500 to test a retry. */
  readonly scripted: Answer[] = [];
  /** While set, answers wait for it: a slow provider, to see how many requests are sent at once. */
  hold: Promise<void> | undefined;
  /** Called as each request arrives (benchmarks time it). */
  onRequest: (request: RecordedRequest) => void = () => undefined;
  #server: Server | undefined;
  #waiters: (() => void)[] = [];

  get url(): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}`;
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

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const recorded = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: raw.toString('utf8'), raw };
    this.requests.push(recorded);
    this.onRequest(recorded);
    for (const wake of this.#waiters.splice(0)) wake();
    await this.hold;
    const { status, body } = this.scripted.shift() ?? (await this.answer(recorded));
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }
}
