// A real SMTP client (nodemailer) speaking to the bridge over TCP.
import { createConnection, type Socket } from 'node:net';
import nodemailer from 'nodemailer';

export interface SendResult {
  /** The server's final reply to DATA, e.g. "250 Queued as …". */
  response: string;
  /** Reply codes of recipients the server refused while it took others. */
  rejectedCodes: number[];
}

export interface OutgoingMail {
  to: string | string[];
  from?: string;
  /** A whole RFC 5322 message; when absent, `body` is sent as a plain text mail. */
  raw?: string | Buffer;
  body?: string;
  /** Headers for a `body` mail, e.g. a To: that differs from the envelope. */
  headers?: Record<string, string>;
}

export interface ConnectionOptions {
  auth?: { user: string; pass: string };
  /** Implicit TLS from the first byte; otherwise plain, upgraded with STARTTLS when `requireTLS`. */
  secure?: boolean;
  requireTLS?: boolean;
  localAddress?: string;
}

export async function sendMail(port: number, mail: OutgoingMail, connection: ConnectionOptions = {}): Promise<SendResult> {
  const { auth, secure = false, requireTLS = false, localAddress } = connection;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure,
    requireTLS,
    ignoreTLS: !secure && !requireTLS,
    ...(auth ? { auth } : {}),
    ...(localAddress ? { localAddress } : {}),
    tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
    connectionTimeout: 10_000,
  });
  try {
    const from = mail.from ?? 'xt1@panel.local';
    const envelope = { from, to: mail.to };
    const info =
      mail.raw !== undefined
        ? await transport.sendMail({ envelope, raw: mail.raw })
        : await transport.sendMail({ envelope, from, to: mail.to, text: mail.body ?? '', headers: mail.headers ?? {} });
    const rejectedErrors = (info as { rejectedErrors?: { responseCode?: number }[] }).rejectedErrors ?? [];
    return { response: info.response, rejectedCodes: rejectedErrors.map((error) => error.responseCode ?? 0) };
  } finally {
    transport.close();
  }
}

/** The SMTP reply code of a refused send, e.g. 552. */
export function replyCode(error: unknown): number | undefined {
  return (error as { responseCode?: number }).responseCode;
}

/** The server's first reply and its EHLO capabilities, read over a plain socket. */
export async function greet(port: number, localAddress?: string): Promise<{ banner: string; capabilities: string[] }> {
  const socket = createConnection({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  let buffer = '';
  const replyEnd = /^\d{3} .*\r\n/m;
  const next = () =>
    new Promise<string>((resolve) => {
      const check = () => {
        const match = replyEnd.exec(buffer);
        if (!match) return false;
        const end = match.index + match[0].length;
        const reply = buffer.slice(0, end);
        buffer = buffer.slice(end);
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(reply);
        return true;
      };
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString();
        check();
      };
      const onClose = () => resolve(buffer);
      if (!check()) {
        socket.on('data', onData);
        socket.once('close', onClose);
      }
    });
  try {
    const banner = await next();
    if (!banner.startsWith('220')) return { banner, capabilities: [] };
    socket.write('EHLO test.local\r\n');
    const ehlo = await next();
    return {
      banner,
      capabilities: ehlo
        .split('\r\n')
        .filter(Boolean)
        .slice(1)
        .map((line) => line.slice(4)),
    };
  } finally {
    socket.destroy();
  }
}

/**
 * An SMTP client on a plain socket that says exactly what a test makes it say: half a DATA, nothing at all, NOOPs.
 * Replies are read whole (multi-line ones up to their last line); after the server closed, a reply is ''.
 */
export class RawSmtpClient {
  readonly socket: Socket;
  /** Everything the server sent. */
  transcript = '';
  /** The server's first reply: 220, or 421/554 when it refused the connection. */
  banner = '';
  readonly closed: Promise<void>;
  #buffer = '';
  #waiting: ((reply: string) => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.transcript += chunk.toString();
      this.#buffer += chunk.toString();
      this.#deliver();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      for (const waiter of this.#waiting.splice(0)) waiter('');
    });
  }

  static async connect(port: number, localAddress?: string): Promise<RawSmtpClient> {
    const client = new RawSmtpClient(createConnection({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }));
    client.banner = await client.#next();
    return client;
  }

  /** Sends one command line and waits for its reply. */
  async command(line: string): Promise<string> {
    const reply = this.#next();
    this.write(`${line}\r\n`);
    return reply;
  }

  write(data: string): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** The last complete reply line the server sent, e.g. `421 … closing`. */
  get lastReply(): string {
    return (
      this.transcript
        .split('\r\n')
        .filter((line) => /^\d{3} /.test(line))
        .at(-1) ?? ''
    );
  }

  destroy(): void {
    this.socket.destroy();
  }

  #next(): Promise<string> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#deliver();
      if (this.socket.destroyed) for (const waiter of this.#waiting.splice(0)) waiter('');
    });
  }

  #deliver(): void {
    for (;;) {
      const match = /^\d{3} .*\r\n/m.exec(this.#buffer);
      if (!match || this.#waiting.length === 0) return;
      const end = match.index + match[0].length;
      const reply = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end);
      this.#waiting.shift()!(reply);
    }
  }
}
