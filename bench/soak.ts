// Soak: many mails through the bridge as users run it (compiled dist/bin.js with the Node options of `npm start`,
// a real Mosquitto, SMTP over loopback), mostly small XT1 lines and every Nth a large one, and the bridge's memory
// at the start, after each quarter of the mails and at the end, with the status page's API and /metrics read every
// second meanwhile. Memory that grows with the number of mails shows
// as a heap after GC that climbs from sample to sample instead of staying level.
//   npm run soak -- --mails 3000 --large-every 20 --large-kb 1024 --clients 4 --max-seconds 300
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { readJournal } from '../test/helpers/journal.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { stopProcess } from './process.js';
import { runLoad } from './smtp-load.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const startScript = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const startArgs = startScript.split(' ').filter((word) => word.startsWith('--'));
/** `npm start`'s options, plus what the probe needs to report the heap after a full GC. */
const nodeArgs = [...startArgs, '--expose-gc', '--import', join(root, 'bench', 'soak-probe.mjs')];
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '3000' },
    'large-every': { type: 'string', default: '20' },
    'large-kb': { type: 'string', default: '1024' },
    clients: { type: 'string', default: '4' },
    'max-seconds': { type: 'string', default: '300' },
  },
});
const mails = Number(values.mails);
const largeEvery = Number(values['large-every']);
const largeKb = Number(values['large-kb']);
const clients = Number(values.clients);
const deadline = performance.now() + Number(values['max-seconds']) * 1000;

/** A line of protocol text (short of SMTP's 1000-character line limit), repeated into a large body. */
const fillerLine = `${'Ereignisprotokoll Bereich 1 Zone 12 Status OK '.repeat(2)}\r\n`;
const isLarge = (sequence: number) => largeEvery > 0 && sequence % largeEvery === largeEvery - 1;
function body(sequence: number): string {
  const line = `Zone:${(sequence % 99) + 1} Soak ${sequence}, Innenbereich Alarm`;
  return isLarge(sequence) ? `${line}\r\n${fillerLine.repeat(Math.ceil((largeKb * 1024) / fillerLine.length))}` : line;
}

interface Sample {
  label: string;
  mails: number;
  rssMb: number;
  heapMb: number;
  heapAfterGcMb: number;
}

/** Asks the probe in the bridge for its memory and waits for its line on stderr. */
function sample(bridge: ChildProcess, output: { stderr: string }, label: string, mailsDone: number): Promise<Sample> {
  const from = output.stderr.length;
  bridge.kill('SIGUSR2');
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = /soak-probe (\{.*\})\n/.exec(output.stderr.slice(from))?.[1];
      if (line) {
        const figures = JSON.parse(line) as { rss: number; heapUsed: number; heapUsedAfterGc: number };
        const mb = (bytes: number) => bytes / 1024 / 1024;
        return resolve({
          label,
          mails: mailsDone,
          rssMb: mb(figures.rss),
          heapMb: mb(figures.heapUsed),
          heapAfterGcMb: mb(figures.heapUsedAfterGc),
        });
      }
      if (bridge.exitCode !== null) return reject(new Error(`the bridge exited with ${bridge.exitCode}: ${output.stderr.slice(-2000)}`));
      setTimeout(check, 20);
    };
    check();
  });
}

/** Resolves once `reached()` says so; fails when the bridge exits or the soak's time is up. */
async function until(description: string, reached: () => Promise<boolean> | boolean, bridge: ChildProcess): Promise<void> {
  while (!(await reached())) {
    if (bridge.exitCode !== null) throw new Error(`the bridge exited with ${bridge.exitCode} while waiting for ${description}`);
    if (performance.now() > deadline) throw new Error(`time is up while waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const broker = await Mosquitto.start();
const dataDir = await mkdtemp(join(tmpdir(), 'amb-soak-'));
const port = await freePort();
const httpPort = await freePort();
const configFile = join(dataDir, 'config.yaml');
await writeFile(
  configFile,
  stringify({
    log_level: 'info',
    data_dir: dataDir,
    smtp: { host: '127.0.0.1', port },
    mqtt: { url: broker.url },
    http: { port: httpPort },
  }),
);
const bridge = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'bin.js'), '--config', configFile], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const output = { stderr: '' };
bridge.stdout?.resume();
bridge.stderr?.on('data', (chunk: Buffer) => (output.stderr = (output.stderr + chunk.toString()).slice(-100_000)));
const subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/event']);
let events = 0;
subscriber.onMessage((_payload, topic) => {
  if (topic === 'alarm-mail-bridge/event') events += 1;
});
const samples: Sample[] = [];
const started = performance.now();
let failure: unknown;
// The status page in use all along: a page reloading its events and status, and a Prometheus scrape, every second.
let looks = 0;
const looking = setInterval(() => {
  for (const path of ['/api/events?limit=100', '/api/status', '/metrics'])
    void fetch(`http://127.0.0.1:${httpPort}${path}`, { signal: AbortSignal.timeout(5_000) })
      .then((response) => response.arrayBuffer())
      .then(() => (looks += 1))
      .catch(() => undefined);
}, 1_000);
try {
  await waitForPort(port, bridge);
  samples.push(await sample(bridge, output, 'start', 0));
  const quarter = Math.ceil(mails / 4);
  for (let from = 0; from < mails; from += quarter) {
    const count = Math.min(quarter, mails - from);
    await runLoad(port, count, clients, (sequence) => body(from + sequence));
    await until(`the events of ${from + count} mails`, () => events >= from + count, bridge);
    samples.push(await sample(bridge, output, from + count < mails ? 'during' : 'all delivered', from + count));
  }
  await until('the spool to be empty', async () => (await readJournal(dataDir)).pending.length === 0, bridge);
  samples.push(await sample(bridge, output, 'end (spool empty)', mails));
} catch (error) {
  failure = error;
} finally {
  clearInterval(looking);
  await subscriber.close();
  await stopProcess(bridge);
  await broker.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const largeCount = largeEvery > 0 ? Math.floor(mails / largeEvery) : 0;
console.info(
  `soak: ${mails} mails (${mails - largeCount} small XT1 lines, ${largeCount} of ${largeKb} KB), ${clients} clients; bridge node options: ${nodeArgs.slice(0, startArgs.length + 1).join(' ')} (+ probe)`,
);
console.info(
  `elapsed ${((performance.now() - started) / 1000).toFixed(1)} s, ${events} events received; status page, its status and /metrics read ${looks} times`,
);
console.info('sample               mails   RSS MB   heap used MB   heap after GC MB');
for (const { label, mails: done, rssMb, heapMb, heapAfterGcMb } of samples) {
  console.info(
    `${label.padEnd(20)} ${String(done).padStart(5)}   ${rssMb.toFixed(1).padStart(6)}   ${heapMb.toFixed(1).padStart(12)}   ${heapAfterGcMb.toFixed(1).padStart(16)}`,
  );
}
/** The first quarter also warms up (compiled code, connections, buffers); a leak keeps growing after it. */
const growth = (from: Sample | undefined, to: Sample | undefined) =>
  from && to && to.mails > from.mails
    ? `${(to.heapAfterGcMb - from.heapAfterGcMb).toFixed(1)} MB over ${to.mails - from.mails} mails (${(((to.heapAfterGcMb - from.heapAfterGcMb) * 1024) / (to.mails - from.mails)).toFixed(2)} KB per mail)`
    : 'n/a';
console.info(
  `heap after GC grew by ${growth(samples[0], samples.at(-1))} from the start; by ${growth(samples[1], samples.at(-1))} after the first quarter`,
);
if (failure) {
  console.error('soak failed:', failure instanceof Error ? failure.message : failure);
  process.exitCode = 1;
}
