// A logger whose lines a test reads back: each JSON line, parsed, in the order written.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** `logs`: where the lines go, e.g. one array over several runs of a test; a new one by default. */
export function capturedLogger(logs: Record<string, unknown>[] = []): { log: Logger; logs: Record<string, unknown>[] } {
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { log, logs };
}
