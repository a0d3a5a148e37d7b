// Teardown that stops everything a test file started, even when one step fails, and processes it
// spawned that die with it: a broker left running would keep the file's process, and CI, waiting.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** Runs every step in order; afterwards throws the first failure, if any. */
export async function cleanUp(...steps: (() => Promise<unknown> | unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

const live = new Set<ChildProcess>();

/** Kills the child when this process ends, also when the test runner ends it for a timeout (SIGTERM). */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

process.once('exit', killAll);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + constants.signals[signal]);
  });
}
