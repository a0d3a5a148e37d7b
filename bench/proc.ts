// What the benchmark reads about a process from /proc: CPU time, peak RSS, and the processes it started.
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

async function statFields(pid: number): Promise<string[]> {
  // After "pid (comm) ", whose comm may hold spaces and parentheses.
  return (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
}

/** CPU seconds the process has used (user and system), its own threads included (libuv's pool). */
export async function cpuSeconds(pid: number): Promise<number> {
  const fields = await statFields(pid);
  // utime and stime are fields 14 and 15 of proc(5), 12 and 13 after the pid and the command.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** VmHWM: the highest resident set size the process reached, in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** The process and all its descendants that are alive. */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number((await statFields(Number(entry)))[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
  }
  return tree;
}

export async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
}
