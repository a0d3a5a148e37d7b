// The program's own memory settings, however it is started (npm start, npx, the add-on's run.sh, dist/bin.js
// through its shebang): a Node that lacks them replaces itself (execve, same pid) with one that has them.
// A small young generation (--max-semi-space-size=2) saves about 40 MB at an alarm panel's mail rates at no
// measured cost; glibc's malloc otherwise keeps 30-50 MB that JavaScript let go after camera mails (musl, the
// add-on's, has no such variable: there only the flag counts). Node before 22.15 has no execve: it runs as started.
import { existsSync } from 'node:fs';

const semiSpaceFlag = '--max-semi-space-size';
const youngGeneration = `${semiSpaceFlag}=2`;
/** Buffers above this (camera pictures) get pages of their own, handed back to the system when freed. */
const mallocMmapThreshold = '131072';
/** Set in the relaunched process, so that a Node refusing an option cannot make it relaunch for ever. */
const relaunchedMark = 'ALARM_MAIL_BRIDGE_RELAUNCHED';

interface Process {
  execPath: string;
  execArgv: string[];
  argv: string[];
  env: NodeJS.ProcessEnv;
  execve?: (file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never;
}

/**
 * The command line and environment to run instead, or undefined when this process has the settings already.
 * `glibc`: whether the C library is glibc (the malloc setting is glibc's).
 */
export function tunedStart(current: Process, glibc: boolean): { args: string[]; env: NodeJS.ProcessEnv } | undefined {
  const { execArgv, argv, env } = current;
  if (env[relaunchedMark]) return undefined;
  const hasYoungGeneration = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((option) => option.startsWith(semiSpaceFlag));
  const hasMallocSetting = !glibc || env.MALLOC_MMAP_THRESHOLD_ !== undefined;
  if (hasYoungGeneration && hasMallocSetting) return undefined;
  const malloc = glibc ? { MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? mallocMmapThreshold } : {};
  return {
    args: [current.execPath, ...execArgv, ...(hasYoungGeneration ? [] : [youngGeneration]), ...argv.slice(1)],
    env: { ...env, ...malloc, [relaunchedMark]: '1' },
  };
}

/** Node's own report names the glibc it runs on; on musl it names none. About 2 ms. */
function runsOnGlibc(): boolean {
  // No network part: it would look up host names.
  (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
  const { header } = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
  return header.glibcVersionRuntime !== undefined;
}

/** Replaces this process with a tuned one when it needs and can; returns when it runs on as it is. */
export function relaunchTuned(current: Process = process as Process): void {
  // Asked first: a Node without execve need not look at its C library. A failing execve ends the process (it
  // cannot be caught), so only a Node binary that is there is asked to replace this one.
  if (typeof current.execve !== 'function' || !existsSync(current.execPath)) return;
  const tuned = tunedStart(current, runsOnGlibc());
  if (tuned) current.execve(current.execPath, tuned.args, tuned.env);
}
