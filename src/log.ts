// The root pino logger: JSON lines or pino-pretty's one line per entry (log_format); secrets redacted by the paths
// and the masking hook its caller gives (the composition root takes both from the configuration), so the logger
// imports nothing of the parts it serves.
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

export type { Logger };

/** The levels the `log_level` setting offers. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

/** The `log_format` setting: auto picks one of the formats by where stdout goes (`resolveLogFormat`). */
export const logFormatSettings = ['auto', 'pretty', 'json'] as const;
export type LogFormatSetting = (typeof logFormatSettings)[number];

/** How lines are written: `json` for log collectors, `pretty` for a person reading a terminal or the add-on's log tab. */
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  /** JSON by default; `resolveLogFormat` turns the setting `auto` into one of the two. */
  format?: LogFormat;
  /** Exact pino paths of values replaced by `[redacted]` wherever a line carries them, e.g. `config.mqtt.password`. */
  redactPaths?: readonly string[];
  /**
   * Applied to every finished line: the configured secrets and account ids replaced wherever a text from outside
   * quotes them (a provider's error echoing its token, a URL with the bot token), whichever part logs it.
   */
  maskText?: (line: string) => string;
}

/** Where the bridge runs, as far as the log format is concerned. */
export interface LogSurroundings {
  /** stdout is a terminal. */
  terminal: boolean;
  /** Running as the Home Assistant add-on, whose log tab shows the text as it is. */
  addon: boolean;
}

/**
 * `auto`: pretty on a terminal and in the add-on (its log tab is read by people, and JSON with epoch times is hard
 * to read there); JSON wherever else stdout goes (Docker, systemd, a log collector), as a machine reads it best.
 */
export function resolveLogFormat(setting: LogFormatSetting, { terminal, addon }: LogSurroundings): LogFormat {
  if (setting !== 'auto') return setting;
  return terminal || addon ? 'pretty' : 'json';
}

export function createLogger({ level, destination, format = 'json', redactPaths = [], maskText }: LoggerOptions): Logger {
  const options = {
    level,
    base: undefined,
    // Exact paths: wildcard paths cost time on every line.
    redact: { paths: [...redactPaths], censor: '[redacted]' },
    // The hook sees the finished JSON line before any stream does, so a pretty line is made from the masked one.
    ...(maskText ? { hooks: { streamWrite: maskText } } : {}),
  };
  // Asynchronous writes keep the SMTP transaction off a slow stdout; pino flushes them at exit.
  const target = destination ?? pino.destination({ dest: 1, sync: false });
  if (format === 'json') return pino(options, target);
  return pino(options, prettyStream(target, destination === undefined && process.stdout.isTTY === true));
}

/**
 * pino-pretty in this process, not as a worker transport: no thread at start, and each line goes to the same
 * destination (flushed at exit) right after it was masked. Loaded only for pretty output, so JSON starts leaner.
 * One line per entry (`singleLine`) with the local time, so the start line stays one line.
 */
function prettyStream(
  target: DestinationStream,
  colorize: boolean,
): DestinationStream & { flush(callback: (error?: Error) => void): void } {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as {
    prettyFactory: (options: PrettyOptions) => (line: string) => string;
  };
  const prettify = prettyFactory({ colorize, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', singleLine: true });
  const flushable = target as DestinationStream & { flush?(callback: (error?: Error) => void): void };
  return {
    write: (line: string) => target.write(prettify(line)),
    flush: (callback) => (flushable.flush ? flushable.flush(callback) : callback()),
  };
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
