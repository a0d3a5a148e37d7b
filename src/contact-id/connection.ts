// One panel connection of the Contact ID receiver: its bytes cut into frames (splitter.ts), each right report of a
// known account stored and then ACKed with 0x06, in order, one chunk at a time; anything else gets no ACK and is
// logged once per connection. Bounded: an endless line, more than `maxGarbageBytes` that are no report or more than
// `maxRefusedReports` refused reports close the connection.
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { type ContactIdFrame, readFrame } from './frame.js';
import { FrameSplitter, type Piece } from './splitter.js';

const ack = Buffer.from([0x06]);
/** Reports that get no ACK a connection may send before it is closed (the panel sends each again a few times). */
const maxRefusedReports = 10;
/** Bytes that are no report a connection may send before it is closed: more than a few frames' worth. */
const maxGarbageBytes = 256;

export interface ConnectionDependencies {
  accounts: ReadonlySet<string>;
  log: Logger;
  /** Stores a report; true once it is durable (then it is ACKed), false when it could not be stored. */
  store: (frame: ContactIdFrame, text: string, remote: string) => Promise<boolean>;
  /** A report was stored and ACKed: the connection made progress. */
  onReported: () => void;
}

export class ReportConnection {
  readonly #socket: Socket;
  readonly #remote: string;
  readonly #deps: ConnectionDependencies;
  readonly #splitter = new FrameSplitter();
  #refused = 0;
  #garbageBytes = 0;
  #problemLogged = false;

  constructor(socket: Socket, deps: ConnectionDependencies) {
    this.#socket = socket;
    this.#remote = socket.remoteAddress ?? '';
    this.#deps = deps;
    socket.on('error', (error) => deps.log.debug({ remote: this.#remote, err: error }, 'Contact ID connection error'));
    socket.on('data', (chunk: Buffer) => {
      socket.pause();
      void this.#read(chunk).then(() => {
        if (!socket.destroyed) socket.resume();
      });
    });
  }

  /** The chunk's reports, stored and answered in order before the next chunk is read. */
  async #read(chunk: Buffer): Promise<void> {
    for (const piece of this.#splitter.push(chunk)) {
      if (this.#socket.destroyed) return;
      await this.#take(piece);
    }
  }

  async #take(piece: Piece): Promise<void> {
    if ('garbage' in piece) {
      this.#garbageBytes += piece.garbage;
      return this.#problem('bytes that are no report', { bytes: piece.garbage });
    }
    if ('tooLong' in piece) {
      this.#problem('a line far longer than a report');
      this.#socket.destroy();
      return;
    }
    const reading = readFrame(piece.frame);
    if (!reading.ok) {
      this.#refused += 1;
      return this.#problem(`report refused (${reading.problem})`);
    }
    if (!this.#deps.accounts.has(reading.frame.account)) {
      this.#refused += 1;
      return this.#problem('report of an unknown account', { account: reading.frame.account });
    }
    if (!(await this.#deps.store(reading.frame, piece.frame, this.#remote))) {
      this.#socket.destroy(); // no ACK: the panel sends the report again, on a new connection
      return;
    }
    this.#deps.onReported();
    if (!this.#socket.destroyed) this.#socket.write(ack);
  }

  #problem(what: string, fields: Record<string, unknown> = {}): void {
    if (!this.#problemLogged) {
      this.#problemLogged = true;
      this.#deps.log.warn({ remote: this.#remote, ...fields }, `Contact ID: ${what}: no ACK (logged once per connection)`);
    }
    if (this.#refused > maxRefusedReports || this.#garbageBytes > maxGarbageBytes) this.#socket.destroy();
  }
}
