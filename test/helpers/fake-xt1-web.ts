// A stand-in for the first Lupusec XT1's web interface, following what lupupy (github.com/majuss/lupupy) sends and
// reads: `GET /images/model.gif` answered without credentials (a first XT1 serves it, later models do not); HTTP
// Basic auth on every `/action/` request (401 otherwise); `POST /action/login`; `POST /action/panelCondPost` with the
// form field `mode` (0 arm, 1 home, 2 disarm) answering `result` 1, or 0 with a message; `GET /action/panelCondGet`
// with the mode as text in `updates.mode_st`. Answers are wrapped as the XT1 does (`/*-secure-` … `*\/`, with tabs).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Xt1Request {
  method: string;
  path: string;
  /** The Authorization header as sent. */
  authorization: string | undefined;
  body: string;
}

/** lupupy's MODE_TRANSLATION_XT1: panelCondPost's number → the text panelCondGet tells. */
const modeTexts: Record<string, string> = { '0': 'Arm', '1': 'Home', '2': 'Disarm' };

export class FakeXt1Web {
  readonly username = 'admin';
  readonly password = 'xt1-Secret-Pw!';
  readonly requests: Xt1Request[] = [];
  /** `Arm`, `Home` or `Disarm`, as panelCondGet tells it. */
  mode = 'Disarm';
  /** A later model (XT1 Plus, XT2, XT3): no model.gif. */
  firstXt1 = true;
  /** Reads of panelCondGet that still tell the old mode after a panelCondPost (the panel takes a moment). */
  settleAfterReads = 1;
  /** Answers panelCondPost with `result` 0 (a sensor open, the panel will not arm). */
  refuseWith: string | undefined;
  /** Takes the mode but never tells it (a panel stuck in its old mode). */
  neverSettles = false;
  /** Accepts every request and never answers. */
  silent = false;
  #pending: { mode: string; reads: number } | undefined;
  #server: Server | undefined;

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The requests to `/action/`, as `METHOD action`. */
  get actions(): string[] {
    return this.requests
      .filter((request) => request.path.startsWith('/action/'))
      .map((request) => `${request.method} ${request.path.slice(8)}`);
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

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? '';
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method: request.method ?? '', path, authorization: request.headers.authorization, body });
    if (this.silent) return;
    if (path === '/images/model.gif') {
      if (this.firstXt1) response.writeHead(200, { 'Content-Type': 'image/gif' }).end(Buffer.from('GIF89a'));
      else response.writeHead(404).end();
      return;
    }
    if (!path.startsWith('/action/')) {
      response.writeHead(404).end();
      return;
    }
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="XT1"' }).end('Unauthorized');
      return;
    }
    const action = `${request.method} ${path.slice(8)}`;
    if (action === 'POST login') return answer(response, '{\t"result" : 1,\t"message" : ""}');
    if (action === 'POST panelCondPost') return this.#panelCondPost(response, new URLSearchParams(body).get('mode') ?? '');
    if (action === 'GET panelCondGet') return this.#panelCondGet(response);
    response.writeHead(404).end();
  }

  #panelCondPost(response: ServerResponse, mode: string): void {
    const text = modeTexts[mode];
    const refusal = text === undefined ? '{WEB_ERR_PARAM_RANGE} mode 0 2' : this.refuseWith;
    if (refusal === undefined) this.#pending = { mode: text ?? this.mode, reads: 0 };
    answer(response, refusal === undefined ? '{\t"result" : 1,\t"message" : ""}' : `{\t"result" : 0,\t"message" : "${refusal}"}`);
  }

  #panelCondGet(response: ServerResponse): void {
    const pending = this.#pending;
    if (pending && !this.neverSettles && pending.reads++ >= this.settleAfterReads) {
      this.mode = pending.mode;
      this.#pending = undefined;
    }
    answer(
      response,
      `{\t"updates" : {\t"mode_st" : "${this.mode}",\n\t\t"battery_ok" : "1",\n\t\t"tamper_ok" : "1",\n\t\t"alarm_ex" : "0"\t}}`,
    );
  }
}

function answer(response: ServerResponse, json: string): void {
  response.writeHead(200, { 'Content-Type': 'text/plain' }).end(`/*-secure-\n${json}\n*/`);
}
