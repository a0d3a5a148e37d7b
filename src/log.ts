// The root pino logger: JSON lines in a container, pino-pretty on a terminal; secrets redacted by path, and by value
// inside every line.
import { pino, type Logger, type DestinationStream } from 'pino';
import { secretPaths, type LogLevel } from './config/schema.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  pretty?: boolean;
  /**
   * Applied to every finished line: the configured secrets and account ids replaced wherever a text from outside
   * quotes them (a provider's error echoing its token, a URL with the bot token), whichever part logs it.
   */
  maskText?: (line: string) => string;
}

export function createLogger({ level, destination, pretty = process.stdout.isTTY === true, maskText }: LoggerOptions): Logger {
  const options = {
    level,
    base: undefined,
    // Exact paths: wildcard paths cost time on every line.
    redact: { paths: secretPaths.map((path) => `config.${path}`), censor: '[redacted]' },
    ...(maskText ? { hooks: { streamWrite: maskText } } : {}),
  };
  if (destination) return pino(options, destination);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  // Asynchronous writes keep the SMTP transaction off a slow stdout; pino flushes them at exit.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/**
 * A URL as it may be logged or published: a password in it (`mqtt://user:secret@host`) replaced. A string that does
 * not parse as a URL still loses whatever sits between `//` and `@`, since that is where credentials would be.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/g, '//[redacted]@');
  }
}

/**
 * Every URL password inside a free text (a line of YAML, an error): `mqtt://user:s3cret@host` becomes
 * `mqtt://user:redacted@host`. The password runs to the last `@` before a space, quote or `/`, so one with an `@`
 * in it (`p@ss`) is taken whole.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(/(\/\/[^\s/@:"']*):[^\s/"']*@/g, '$1:redacted@');
}
