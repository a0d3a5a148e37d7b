// Parses mails in a worker thread with a time budget: mailparser has hung on broken boundaries (#263), and a
// parse that loops would otherwise stop the SMTP intake too. The worker is ended, its mail becomes unparsable,
// and the next mail gets a fresh worker. There is deliberately no heap cap (resourceLimits): Node can abort the
// whole process instead of the worker when a capped worker makes one large allocation (nodejs/node#47224);
// max_message_kb bounds what a parse can allocate. Small mails of one part are parsed in this thread (in-place.ts).
import { Worker } from 'node:worker_threads';
import type { Bus } from '../core/bus.js';
import type { Envelope } from '../core/envelope.js';
import { parsesInPlace } from './in-place.js';
import type { Mail } from './mail.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';
import { MailUnparsable } from './unparsable.js';

export interface MailParser {
  parse(raw: Buffer, envelope: Envelope): Promise<Mail>;
}

export interface IsolatedParserOptions {
  /** From the mail's hand-over to the worker until its answer. */
  timeBudgetMs?: number;
  /** Told of each worker that is ended and replaced (`parserRestarted`), for observers. */
  bus?: Bus;
  /**
   * A worker without work for this long is ended (its memory, about 17 MB, handed back) and started again by the next
   * mail that needs it; undefined: kept for as long as the parser is open (cameras, whose pictures should not wait).
   */
  idleEndMs?: number;
}

interface Job {
  raw: Buffer;
  envelope: Envelope;
  resolve: (mail: Mail) => void;
  reject: (error: Error) => void;
}

const fromSource = import.meta.url.endsWith('.ts');
/** Loading mailparser takes a fraction of a second, a few seconds on a slow SD card; a worker that never starts must not stall the queue. */
const startTimeoutMs = 60_000;
/** mailparser is loaded into this thread this long after the start, so neither the start nor the first alarm waits for it. */
const inPlaceLoadDelayMs = 1000;

export class IsolatedParser implements MailParser {
  readonly #timeBudgetMs: number;
  readonly #bus: Bus | undefined;
  readonly #queue: Job[] = [];
  #worker: Worker | undefined;
  #ready = false;
  /** The job with the worker; `sent` once a ready worker has it, so that a failure is the mail's. */
  #current: { job: Job; timer: NodeJS.Timeout | undefined; sent: boolean } | undefined;
  #closed = false;
  #inPlace: Promise<typeof import('./parse.js')> | undefined;
  #inPlaceTimer: NodeJS.Timeout | undefined;
  readonly #idleEndMs: number | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor({ timeBudgetMs = 10_000, bus, idleEndMs }: IsolatedParserOptions = {}) {
    this.#timeBudgetMs = timeBudgetMs;
    this.#bus = bus;
    this.#idleEndMs = idleEndMs;
  }

  /** Loads mailparser into this thread soon after the start, for the small mails parsed in place. */
  startInPlace(): void {
    if (this.#closed) return;
    this.#inPlaceTimer ??= setTimeout(() => void this.#inPlaceParser().catch(() => undefined), inPlaceLoadDelayMs).unref();
  }

  /** Starts the worker now too, so the first mail with parts does not wait for mailparser to load there. */
  start(): void {
    this.startInPlace();
    if (this.#worker || this.#closed) return;
    try {
      this.#startWorker().unref();
    } catch {
      // No thread to be had right now: the next parse tries again, and its mail is retried if it fails too.
    }
  }

  parse(raw: Buffer, envelope: Envelope): Promise<Mail> {
    if (this.#closed) return Promise.reject(new Error('parser closed'));
    if (parsesInPlace(raw)) return this.#inPlaceParser().then(({ parseMail }) => parseMail(raw, envelope));
    return new Promise((resolve, reject) => {
      this.#queue.push({ raw, envelope, resolve, reject });
      this.#next();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#inPlaceTimer);
    clearTimeout(this.#idleTimer);
    for (const job of this.#queue.splice(0)) job.reject(new Error('parser closed'));
    clearTimeout(this.#current?.timer);
    this.#current?.job.reject(new Error('parser closed'));
    this.#current = undefined;
    await this.#dropWorker();
  }

  #inPlaceParser(): Promise<typeof import('./parse.js')> {
    this.#inPlace ??= import('./parse.js');
    return this.#inPlace;
  }

  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    clearTimeout(this.#idleTimer);
    this.#current = { job, timer: undefined, sent: false };
    let worker: Worker;
    try {
      worker = this.#worker ?? this.#startWorker();
    } catch (error) {
      // No thread to be had (e.g. a process limit): not the mail's fault, so it stays in the spool for a retry.
      this.#current = undefined;
      job.reject(new Error(`cannot start the parser: ${(error as Error).message}`, { cause: error }));
      this.#next();
      return;
    }
    worker.ref();
    if (this.#ready) this.#send(worker);
    else this.#current.timer = setTimeout(() => this.#fail(`the parser did not start within ${startTimeoutMs} ms`), startTimeoutMs);
  }

  /** Hands the current job to a ready worker and starts its clock. */
  #send(worker: Worker): void {
    const current = this.#current;
    if (!current) return;
    clearTimeout(current.timer);
    current.sent = true;
    current.timer = setTimeout(() => this.#fail(`took longer than ${this.#timeBudgetMs} ms`), this.#timeBudgetMs);
    worker.postMessage({ raw: current.job.raw, envelope: current.job.envelope } satisfies ParseRequest);
  }

  #startWorker(): Worker {
    const entry = new URL(`./parse-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
    // Run from source (the tests, under tsx), the worker must register tsx itself: it does not inherit it (tsx #354).
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`, {
          eval: true,
        })
      : new Worker(entry);
    this.#worker = worker;
    this.#ready = false;
    worker.on('message', (reply: ParseReply) => {
      if (worker === this.#worker) this.#onReply(worker, reply);
    });
    worker.on('error', (error) => {
      if (worker === this.#worker) this.#fail(`the parser stopped: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (worker === this.#worker) this.#fail(`the parser exited with code ${code}`);
    });
    return worker;
  }

  #onReply(worker: Worker, reply: ParseReply): void {
    if ('ready' in reply) {
      this.#ready = true;
      this.#send(worker);
      return;
    }
    const current = this.#current;
    if (!current) return;
    clearTimeout(current.timer);
    this.#current = undefined;
    if ('mail' in reply) current.job.resolve(withBuffers(reply.mail));
    else current.job.reject(new MailUnparsable(reply.unparsable));
    if (this.#queue.length === 0) {
      worker.unref(); // an idle parser never keeps the process alive
      if (this.#idleEndMs !== undefined) this.#idleTimer = setTimeout(() => void this.#dropWorker(), this.#idleEndMs).unref();
    }
    this.#next();
  }

  /**
   * The worker hung or died. With the mail in hand, the mail is unparsable; before (the worker never became ready)
   * it is not the mail's fault, and the caller retries it. Either way the next job gets a new worker.
   */
  #fail(reason: string): void {
    const current = this.#current;
    this.#current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.job.reject(current.sent ? new MailUnparsable(`mailparser failed: ${reason}`) : new Error(`parser unavailable: ${reason}`));
    }
    void this.#dropWorker();
    this.#bus?.emit('parserRestarted', { reason });
    this.#next();
    // After a worker that had been working, the next one starts at once, so the next alarm need not wait for it.
    // Not after one that failed to start: that would only fail again, in a loop.
    if (current?.sent && this.#idleEndMs === undefined) this.start();
  }

  async #dropWorker(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    await worker?.terminate();
  }
}

/** Buffers arrive from the worker as plain Uint8Arrays. */
function withBuffers(mail: Mail): Mail {
  return {
    ...mail,
    attachments: mail.attachments.map((attachment) => ({
      ...attachment,
      content: Buffer.from(attachment.content.buffer, attachment.content.byteOffset, attachment.content.byteLength),
    })),
  };
}
