// The parser's own thread: a mail that makes mailparser loop is ended with this thread, not with the bridge.
import { parentPort } from 'node:worker_threads';
import type { Envelope } from '../core/envelope.js';
import type { Mail } from './mail.js';
import { parseMail } from './parse.js';

export interface ParseRequest {
  raw: Uint8Array;
  envelope: Envelope;
}

export type ParseReply = { ready: true } | { mail: Mail } | { unparsable: string };

const port = parentPort;
if (!port) throw new Error('parse-worker runs as a worker thread');
port.on('message', ({ raw, envelope }: ParseRequest) => {
  parseMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), envelope).then(
    (mail) => port.postMessage({ mail } satisfies ParseReply),
    (error: unknown) => port.postMessage({ unparsable: (error as Error).message } satisfies ParseReply),
  );
});
// mailparser is loaded by now: the time budget starts with the first mail, not with loading the modules.
port.postMessage({ ready: true } satisfies ParseReply);
