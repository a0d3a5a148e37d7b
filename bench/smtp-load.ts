// A minimal SMTP load client for the benchmark: C connections, each sending its share of N mails in
// sequence on one connection, timing the end of DATA ("." sent) and the final reply.
import { createConnection, type Socket } from 'node:net';

export interface MailTiming {
  /** Sequence number written into the mail, to match it with its event. */
  sequence: number;
  dataEnd: number;
  replied: number;
  reply: string;
}

export class ReplyReader {
  #buffer = '';
  #waiting: { resolve: (reply: string) => void; reject: (error: Error) => void }[] = [];
  #replies: string[] = [];
  #closed = false;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      // A reply ends with a line whose code is followed by a space (RFC 5321 §4.2.1).
      for (let match = /^(\d{3}) .*\r\n/m.exec(this.#buffer); match; match = /^(\d{3}) .*\r\n/m.exec(this.#buffer)) {
        const end = match.index + match[0].length;
        const reply = this.#buffer.slice(0, end).trimEnd();
        this.#buffer = this.#buffer.slice(end);
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(reply);
        else this.#replies.push(reply);
      }
    });
    // A server that hangs up (421, or a crash) fails the wait instead of leaving it pending forever.
    socket.on('close', () => {
      this.#closed = true;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('connection closed'));
    });
    socket.on('error', () => undefined);
  }

  next(): Promise<string> {
    const ready = this.#replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
}

export async function expect(reader: ReplyReader, code: string): Promise<string> {
  const reply = await reader.next();
  if (!reply.split('\n').at(-1)?.startsWith(code)) throw new Error(`expected ${code}, got "${reply}"`);
  return reply;
}

/** A connection to the bridge's SMTP port, greeted (EHLO), ready for MAIL FROM. */
export async function openSession(port: number, localAddress?: string): Promise<{ socket: Socket; reader: ReplyReader }> {
  const socket = createConnection({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  socket.setNoDelay(true);
  const reader = new ReplyReader(socket);
  await expect(reader, '220');
  socket.write('EHLO bench.local\r\n');
  await expect(reader, '250');
  return { socket, reader };
}

export async function runLoad(
  port: number,
  mails: number,
  clients: number,
  body: (sequence: number) => string,
  recipient: (sequence: number) => string = () => 'alarm@bridge.local',
  /** Pause after each mail per client, for a paced load instead of as fast as the replies come. */
  intervalMs = 0,
): Promise<MailTiming[]> {
  const timings: MailTiming[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const { socket, reader } = await openSession(port);
      for (let sequence = next++; sequence < mails; sequence = next++) {
        socket.write('MAIL FROM:<xt1@panel.local>\r\n');
        await expect(reader, '250');
        socket.write(`RCPT TO:<${recipient(sequence)}>\r\n`);
        await expect(reader, '250');
        socket.write('DATA\r\n');
        await expect(reader, '354');
        socket.write(`From: xt1@panel.local\r\nTo: alarm@bridge.local\r\n\r\n${body(sequence)}\r\n.\r\n`);
        const dataEnd = performance.now();
        const reply = await expect(reader, '250');
        timings.push({ sequence, dataEnd, replied: performance.now(), reply });
        if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      socket.end('QUIT\r\n');
    }),
  );
  return timings;
}
