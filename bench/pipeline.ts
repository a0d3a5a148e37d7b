// Benchmark: N mails over SMTP from C concurrent clients into the bridge (compiled, as shipped) backed by a
// real Mosquitto. Figures: end of DATA → event at an MQTT subscriber, end of DATA → request at the (fake)
// SMS provider, mails per second and the bridge's peak RSS; and two ceilings, a bare smtp-server sink and one that
// stores each mail with the spool (bench/sink.ts).
// The status page is on as by default, with nobody looking (`--page idle`); `--page open` keeps a browser on it
// (Debian's chromium, subscribed to the live stream) for the bridge runs, `--page off` turns its server off.
//   npm run bench -- --mails 2000 --clients 10 [--interval-ms 50] [--page idle|open|off]   (a pause after each mail per client)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { launchBrowser, openPage } from '../test/helpers/browser.js';
import { FakeCm } from '../test/helpers/fake-cm.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { benchCamera } from './camera.js';
import { stopProcess } from './process.js';
import { type MailTiming, runLoad } from './smtp-load.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The bridge runs with the Node options of `npm start` (as the add-on does), unless BENCH_NODE_ARGS says otherwise. */
const startScript = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? startScript.split(' ').filter((word) => word.startsWith('--'));
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '0' },
    page: { type: 'string', default: 'idle' },
  },
});
const pageMode = values.page;
if (pageMode !== 'idle' && pageMode !== 'open' && pageMode !== 'off') throw new Error('--page: idle, open or off');
const mails = Number(values.mails);
const clients = Number(values.clients);
const intervalMs = Number(values['interval-ms']);

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
}

const body = (sequence: number) => `Zone:${(sequence % 99) + 1} Bench ${sequence}, Innenbereich Alarm`;
/** Each mail to its own number (`+4915110000042@sms.local`), so the per-number hourly limit stays out of the way. */
const smsNumber = (sequence: number) => `+4915110${String(sequence).padStart(6, '0')}`;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function figures(latencies: number[], elapsedMs: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), perSecond: (latencies.length / elapsedMs) * 1000 };
}

/** CPU seconds the process has used (user and system), from /proc: the bridge's own cost, apart from the browser's. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the pid and the command; in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmHWM: the highest resident set size the process reached. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** Arrival times by mail sequence number, and a promise for when all have arrived. */
function arrivals(): { times: Map<number, number>; note: (sequence: number) => void; all: Promise<void> } {
  const times = new Map<number, number>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return {
    times,
    all,
    note: (sequence) => {
      times.set(sequence, performance.now());
      if (times.size === mails) done();
    },
  };
}

async function benchBridge(withSms: boolean): Promise<{ event: Figures; sms?: Figures; peakRssMb: number; cpuMsPerMail: number }> {
  const broker = await Mosquitto.start();
  const cm = await new FakeCm().start();
  const dataDir = await mkdtemp(join(tmpdir(), 'amb-bench-'));
  const port = await freePort();
  const httpPort = pageMode === 'off' ? 0 : await freePort();
  const configFile = join(dataDir, 'config.yaml');
  const sms = withSms ? { provider: 'cm', sender: 'Alarm', api_url: cm.url, cm: { product_token: cm.productToken } } : {};
  await writeFile(
    configFile,
    stringify({
      log_level: 'info',
      data_dir: dataDir,
      smtp: { host: '127.0.0.1', port },
      mqtt: { url: broker.url },
      sms,
      http: { port: httpPort },
    }),
  );
  const bridge = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'bin.js'), '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bridge.stdout?.resume();
  const subscriber = await Subscriber.connect(broker.url, ['alarm-mail-bridge/event']);
  let browser: Browser | undefined;
  try {
    await waitForPort(port, bridge);
    if (pageMode === 'open') {
      browser = await launchBrowser();
      const { page } = await openPage(browser);
      await page.goto(`http://127.0.0.1:${httpPort}/`);
      await page.locator('[data-testid="stream-state"][data-state="live"]').waitFor();
    }
    const cpuBefore = await cpuSeconds(bridge.pid ?? 0);
    const events = arrivals();
    const texts = arrivals();
    subscriber.onMessage((payload) => events.note(Number(/Bench (\d+)/.exec(payload)?.[1])));
    if (withSms) cm.onRequest = (request) => texts.note(Number(/Bench (\d+)/.exec(request.body)?.[1]));
    const start = performance.now();
    const timings = await runLoad(
      port,
      mails,
      clients,
      body,
      withSms ? (sequence) => `${smsNumber(sequence)}@sms.local` : undefined,
      intervalMs,
    );
    await Promise.all([events.all, withSms ? texts.all : undefined]);
    const latencies = (arrived: Map<number, number>) =>
      timings.map((timing: MailTiming) => (arrived.get(timing.sequence) ?? Number.NaN) - timing.dataEnd);
    const elapsed = (arrived: Map<number, number>) => Math.max(...arrived.values()) - start;
    return {
      event: figures(latencies(events.times), elapsed(events.times)),
      ...(withSms ? { sms: figures(latencies(texts.times), elapsed(texts.times)) } : {}),
      peakRssMb: await peakRssMb(bridge.pid ?? 0),
      cpuMsPerMail: ((await cpuSeconds(bridge.pid ?? 0)) - cpuBefore) * (1000 / mails),
    };
  } finally {
    await browser?.close();
    await subscriber.close();
    await stopProcess(bridge);
    await cm.stop();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function benchSink(kind: 'bare' | 'durable'): Promise<Figures & { peakRssMb: number }> {
  const port = await freePort();
  const sink = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'sink.ts'), String(port), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: root,
  });
  try {
    await waitForPort(port, sink);
    const start = performance.now();
    const timings = await runLoad(port, mails, clients, body);
    const elapsed = Math.max(...timings.map((timing) => timing.replied)) - start;
    return {
      ...figures(
        timings.map((timing) => timing.replied - timing.dataEnd),
        elapsed,
      ),
      peakRssMb: await peakRssMb(sink.pid ?? 0),
    };
  } finally {
    await stopProcess(sink);
  }
}

const format = (value: number) => value.toFixed(value < 10 ? 2 : 1);
const line = (label: string, figures: Figures) =>
  `${label} p50 ${format(figures.p50)} ms, p99 ${format(figures.p99)} ms, ${format(figures.perSecond)} mails/s`;
console.info(
  `mails: ${mails}, concurrent clients: ${clients}${intervalMs ? `, ${intervalMs} ms pause after each mail per client` : ''}; bridge node options: ${nodeArgs.join(' ') || 'none'}; status page: ${pageMode}`,
);
const mqttOnly = await benchBridge(false);
const withSms = await benchBridge(true);
const cameraPaced = await benchCamera(root, nodeArgs, peakRssMb, true);
const cameraBurst = await benchCamera(root, nodeArgs, peakRssMb, false);
const ceiling = await benchSink('bare');
const durableCeiling = await benchSink('durable');
console.info(
  line('bridge        end of DATA → MQTT event: ', mqttOnly.event),
  `| peak RSS ${format(mqttOnly.peakRssMb)} MB | bridge CPU ${format(mqttOnly.cpuMsPerMail)} ms per mail`,
);
console.info(line('bridge + SMS  end of DATA → MQTT event: ', withSms.event));
if (withSms.sms) console.info(line('bridge + SMS  end of DATA → SMS request:', withSms.sms), `| peak RSS ${format(withSms.peakRssMb)} MB`);
for (const [label, camera] of [
  ['one at a time', cameraPaced],
  ['back to back', cameraBurst],
] as const) {
  const sorted = [...camera.latencies].sort((a, b) => a - b);
  console.info(
    `camera        end of DATA → snapshot on MQTT (${camera.mails} mails of ${format(camera.imageBytes / 1024 / 1024)} MB JPEG, ${label}): p50 ${format(percentile(sorted, 0.5))} ms, p99 ${format(percentile(sorted, 0.99))} ms | peak RSS ${format(camera.peakRssMb)} MB`,
  );
}
console.info(
  line('ceiling       end of DATA → 250 (bare smtp-server sink):', ceiling),
  `| peak RSS ${format(ceiling.peakRssMb)} MB (under tsx)`,
);
console.info(
  line('durable sink  end of DATA → 250 (smtp-server + the spool, no parse, no delivery):', durableCeiling),
  `| peak RSS ${format(durableCeiling.peakRssMb)} MB (under tsx)`,
);
console.info(
  `ratio         throughput bridge/ceiling ${format(mqttOnly.event.perSecond / ceiling.perSecond)}, bridge/durable sink ${format(mqttOnly.event.perSecond / durableCeiling.perSecond)}`,
);
console.info(
  `targets       MQTT p99 < 20 ms: ${mqttOnly.event.p99 < 20 ? 'met' : 'missed'}; throughput ≥ 0.5 × ceiling: ${mqttOnly.event.perSecond >= 0.5 * ceiling.perSecond ? 'met' : 'missed'}; ` +
    `peak RSS < 120 MB: ${mqttOnly.peakRssMb < 120 ? 'met' : 'missed'}; SMS p99 < 50 ms: ${(withSms.sms?.p99 ?? Infinity) < 50 ? 'met' : 'missed'}`,
);
