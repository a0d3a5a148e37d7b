// Small helpers for reading any error, shared by every layer (config, spool, start) without one importing another.

/** The system's error code (EADDRINUSE, ENOENT, …) when there is one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The first line of an error's message: what a one-line failure report quotes. */
export function oneLine(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error).split('\n')[0] ?? '';
}
