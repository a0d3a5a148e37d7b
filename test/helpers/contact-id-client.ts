// A panel's side of Contact ID over TCP: sends bytes as the test splits them and counts the ACK bytes (0x06) back.
import { createConnection, type Socket } from 'node:net';
import { frameOf } from '../../src/contact-id/frame.js';

export class ContactIdClient {
  readonly #socket: Socket;
  /** Every byte the receiver sent. */
  received = Buffer.alloc(0);
  closed = false;
  readonly #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<ContactIdClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host });
      socket.once('connect', () => resolve(new ContactIdClient(socket)));
      socket.once('error', reject);
    });
  }

  get acks(): number {
    return this.received.filter((byte) => byte === 0x06).length;
  }

  /** Writes one piece (a TCP write; pieces written apart arrive apart often enough, never necessarily). */
  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Waits until `count` ACKs came, or fails when the connection closes first or after `timeoutMs`. */
  async waitForAcks(count: number, timeoutMs = 10_000): Promise<void> {
    await this.#until(() => this.acks >= count, `${count} ACKs`, timeoutMs);
  }

  /** Waits until the receiver closes the connection. */
  async waitForClose(timeoutMs = 10_000): Promise<void> {
    await this.#until(() => this.closed, 'the connection to close', timeoutMs, true);
  }

  close(): void {
    this.#socket.destroy();
  }

  async #until(done: () => boolean, what: string, timeoutMs: number, closeIsFine = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed && !closeIsFine) throw new Error(`connection closed before ${what} (got ${this.acks} ACKs)`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms (got ${this.acks} ACKs)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** A report with its right checksum: `report('1234', 1, '130', 1, 3)` → `[1234 18113001003XXXX]`. */
export function report(account: string, qualifier: 1 | 3 | 6, code: string, partition: number, zone: number): string {
  return frameOf({
    account,
    qualifier,
    code,
    partition: String(partition).padStart(2, '0'),
    zone: String(zone).padStart(3, '0'),
  });
}
