// The systems under benchmark as child processes: started so that they die with the benchmark, ready once their
// SMTP port greets with 220 (the time a user waits after a start), stopped the way a user stops them, and waited for.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { killOnExit } from '../test/helpers/cleanup.js';

/** How long a start may take before the run fails (npx on a loaded machine takes seconds). */
const startTimeoutMs = 60_000;
/** How long a stopped process may take before it is killed: a stop that hangs must not outlive the run. */
const stopTimeoutMs = 15_000;

export interface Started {
  child: ChildProcess;
  /** Spawn → the SMTP port's 220 greeting, in ms. */
  readyMs: number;
}

/** Spawns `command` and waits until `port` greets; the child is killed if the benchmark ends first. */
export async function startAndAwaitGreeting(command: string, args: string[], port: number, options: SpawnOptions): Promise<Started> {
  const spawnedAt = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  killOnExit(child);
  child.stdout?.resume();
  try {
    await awaitGreeting(port, child);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { child, readyMs: performance.now() - spawnedAt };
}

/** Time from connect to the 220 greeting, or undefined if the port refused the connection or said something else. */
export function greetingMs(port: number): Promise<number | undefined> {
  const connectAt = performance.now();
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setEncoding('utf8');
    let text = '';
    const done = (ms: number | undefined) => {
      socket.destroy();
      resolve(ms);
    };
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n')) done(text.startsWith('220') ? performance.now() - connectAt : undefined);
    });
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}

async function awaitGreeting(port: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + startTimeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before port ${port} greeted`);
    if ((await greetingMs(port)) !== undefined) return;
    await delay(5);
  }
  throw new Error(`port ${port} did not greet`);
}

/** Connect → 220 for `count` connections opened one after another (on an idle system). */
export async function connectToGreeting(port: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) times.push((await greetingMs(port)) ?? Number.NaN);
  return times;
}

/** SIGTERM to `pid` (the child itself unless given), then waits for the child; SIGKILL if it takes too long. */
export async function stopProcess(child: ChildProcess, pid = child.pid): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
