// The bridge as a child process of a benchmark: stopped the way a user stops it, and waited for.
import type { ChildProcess } from 'node:child_process';

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
