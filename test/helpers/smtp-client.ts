// A real SMTP client (nodemailer) speaking to the bridge over TCP.
import { createConnection } from 'node:net';
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
    const info = mail.raw !== undefined
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
    return { banner, capabilities: ehlo.split('\r\n').filter(Boolean).slice(1).map((line) => line.slice(4)) };
  } finally {
    socket.destroy();
  }
}
