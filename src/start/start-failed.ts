// A start step failed: which setting, its value, and what the user can do, as one line with no stack.
// main.ts wraps each start step; the parts below it (intake, broker, spool) throw plain errors with a code, which
// main turns into a StartFailed naming the setting.
import { codeOf, oneLine } from '../errors.js';

/** A start step failed because of the value of one setting. */
export class StartFailed extends Error {
  /** The configuration key, e.g. `smtp.port`. */
  readonly key: string;
  /** The value that did not work, as the user wrote it (never a secret). */
  readonly value: string;
  /** What to do about it. */
  readonly advice: string;
  /** The system's error code (EADDRINUSE, ENOENT, …) when there is one. */
  readonly code: string | undefined;

  constructor(key: string, value: unknown, problem: string, advice: string, options?: ErrorOptions) {
    super(`${key} ${String(value)}: ${problem}: ${advice}`, options);
    this.name = 'StartFailed';
    this.key = key;
    this.value = String(value);
    this.advice = advice;
    this.code = codeOf(options?.cause);
  }
}

/** What a failed `listen` means for the setting that gave the port (`smtp.port`, `mqtt.embedded_port`). */
export function listenFailed(
  setting: { portKey: string; hostKey: string; host: string; port: number; inUse: string },
  error: unknown,
): Error {
  const { portKey, hostKey, host, port, inUse } = setting;
  const code = codeOf(error);
  const options = { cause: error };
  switch (code) {
    case 'EADDRINUSE':
      return new StartFailed(portKey, port, `another program already listens on ${host}:${port} (EADDRINUSE)`, inUse, options);
    case 'EACCES':
    case 'EPERM':
      // Below 1024 it is the missing privilege; above, a security module (SELinux, AppArmor) or a sandbox said no.
      if (port < 1024) {
        return new StartFailed(
          portKey,
          port,
          `port ${port} is below 1024 and needs privileges (${code})`,
          `use a port from 1024 up (and forward ${port} to it), or give the process the right to bind low ports`,
          options,
        );
      }
      return new StartFailed(
        portKey,
        port,
        `the system refused to bind it (${code})`,
        `check whether SELinux, AppArmor or a sandbox forbids ${host}:${port}, or use another port`,
        options,
      );
    case 'EADDRNOTAVAIL':
      return new StartFailed(
        hostKey,
        host,
        `not an address of this machine (EADDRNOTAVAIL)`,
        `use 0.0.0.0 for every address, or one of this machine's own addresses`,
        options,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartFailed(hostKey, host, `no such host (${code})`, `use an IP address of this machine, or 0.0.0.0`, options);
    default:
      return new StartFailed(
        portKey,
        port,
        `cannot listen on ${host}:${port} (${oneLine(error)})`,
        `check ${hostKey} and ${portKey}`,
        options,
      );
  }
}

/** What a file that could not be read means for the setting that names it (`smtp.tls.cert`). */
export function fileUnreadable(key: string, path: string, error: unknown): StartFailed {
  const code = codeOf(error);
  const problem =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EISDIR'
        ? 'is a folder, not a file'
        : code === 'EACCES'
          ? 'not readable (EACCES)'
          : `cannot be read (${oneLine(error)})`;
  return new StartFailed(key, path, problem, `set ${key} to the path of a readable PEM file`, { cause: error });
}

/** An error of binding a listening socket (as opposed to e.g. a bad TLS key), which names a host or port setting. */
export function isListenError(error: unknown): boolean {
  return (
    (error as NodeJS.ErrnoException | undefined)?.syscall === 'listen' ||
    ['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN'].includes(codeOf(error) ?? '')
  );
}
