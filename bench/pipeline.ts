// Benchmark (issue 23): the bridge (compiled, as shipped, with `npm start`'s Node options) against the bare sink
// (smtp-server → MQTT QoS 1, 250 after the PUBACK) under the same SMTP load, same run, same machine, each on its own
// real Mosquitto; the table gives both, their ratios and the issue's targets. Then the bridge with SMS, the durable
// sink (the spool alone), cameras and a flood. Every process is started with the fsync shim (bench/fsync-delay.c),
// which counts syncs; `--fsync-delay-ms 20` also delays each by that long (SD card mode).
// The status page is on as by default, with nobody looking (`--page idle`); `--page open` keeps a browser on it
// (Debian's chromium, subscribed to the live stream) for the bridge of the comparison, `--page off` turns it off.
//   npm run bench -- [--mails 600] [--clients 4] [--runs 3] [--fsync-delay-ms 20] [--interval-ms 50]
//                    [--page idle|open|off] [--parts pair,sms,durable,camera,flood]
// The ways of starting the bridge (npx, run.sh, npm start, the shebang) are in bench/starts.ts (npm run bench:starts).
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage } from '../test/helpers/browser.js';
import { freePort } from '../test/helpers/ports.js';
import { benchCamera } from './camera.js';
import { runFlood } from './flood.js';
import { FsyncShim } from './fsync-shim.js';
import { format, medianRows, pairRows, pairTable, type Row, table } from './report.js';
import { runBridgeWithSms } from './sms-run.js';
import { spread } from './stats.js';
import { runSystem, type SystemFigures } from './system-run.js';
import { startBareSink, startBridge, startDurableSink, startNodeOptions } from './systems.js';

const parts = ['pair', 'sms', 'durable', 'camera', 'flood'] as const;
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '600' },
    clients: { type: 'string', default: '4' },
    runs: { type: 'string', default: '1' },
    'one-client-mails': { type: 'string', default: '200' },
    greetings: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '0' },
    'fsync-delay-ms': { type: 'string', default: '0' },
    'camera-mails': { type: 'string', default: '40' },
    'flood-clients': { type: 'string', default: '10' },
    'flood-seconds': { type: 'string', default: '10' },
    page: { type: 'string', default: 'idle' },
    parts: { type: 'string', default: parts.join(',') },
  },
});
const pageMode = values.page;
if (pageMode !== 'idle' && pageMode !== 'open' && pageMode !== 'off') throw new Error('--page: idle, open or off');
const chosen = new Set(values.parts.split(','));
for (const part of chosen) if (!(parts as readonly string[]).includes(part)) throw new Error(`--parts: any of ${parts.join(', ')}`);
const settings = {
  mails: Number(values.mails),
  clients: Number(values.clients),
  oneClientMails: Number(values['one-client-mails']),
  greetings: Number(values.greetings),
  intervalMs: Number(values['interval-ms']),
};
const runs = Number(values.runs);
const fsyncDelayMs = Number(values['fsync-delay-ms']);
const nodeArgs = await startNodeOptions();

const shim = await FsyncShim.build(fsyncDelayMs).catch((error: unknown) => {
  if (fsyncDelayMs > 0) throw error;
  console.info(`fsync counts: none, the shim did not build (${String(error)})`);
  return undefined;
});

/** The page's server on a free port, as by default, or off. */
const pageConfig = async () => ({ http: { port: pageMode === 'off' ? 0 : await freePort() } });

async function startComparedBridge(brokerUrl: string) {
  const config = await pageConfig();
  const bridge = await startBridge({ brokerUrl, shim, nodeArgs, config });
  if (pageMode !== 'open') return bridge;
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const { page } = await openPage(browser);
    await page.goto(`http://127.0.0.1:${config.http.port}/`);
    await page.locator('[data-testid="stream-state"][data-state="live"]').waitFor();
  } catch (error) {
    await browser?.close();
    await bridge.stop();
    throw error;
  }
  return {
    ...bridge,
    stop: async () => {
      await browser?.close();
      await bridge.stop();
    },
  };
}

try {
  console.info(
    `mails: ${settings.mails}, concurrent clients: ${settings.clients}${settings.intervalMs ? `, ${settings.intervalMs} ms pause after each mail per client` : ''}; ` +
      `one-client run: ${settings.oneClientMails} mails; runs: ${runs}; fsync delay: ${fsyncDelayMs} ms; bridge node options: ${nodeArgs.join(' ') || 'none'}; ` +
      `status page: ${pageMode}; Node ${process.version}, the sinks on the same Node (the bare one as plain .mjs, the durable one under tsx)`,
  );
  if (chosen.has('pair')) {
    const tables: Row[][] = [];
    for (let run = 1; run <= runs; run++) {
      const bridge: SystemFigures = await runSystem(startComparedBridge, settings);
      const sink = await runSystem((brokerUrl) => startBareSink(brokerUrl, shim), settings);
      tables.push(pairRows(bridge, sink, fsyncDelayMs));
      console.info(`\nrun ${run} of ${runs}: bridge vs bare sink\n${pairTable(tables.at(-1)!)}`);
    }
    if (runs > 1) console.info(`\nmedian of ${runs} runs\n${pairTable(medianRows(tables))}`);
  }
  const extras: string[][] = [];
  if (chosen.has('sms')) {
    const { load, sms } = await runBridgeWithSms(settings, nodeArgs, shim, await pageConfig());
    extras.push(
      [
        'bridge + SMS',
        'end of DATA → MQTT event',
        `p50 ${format(load.event.p50)} ms, p99 ${format(load.event.p99)} ms, ${format(load.perSecond)} mails/s`,
        `peak RSS ${format(load.peakRssMb)} MB`,
      ],
      [
        'bridge + SMS',
        'end of DATA → SMS request',
        `p50 ${format(sms.p50)} ms, p99 ${format(sms.p99)} ms, ${format(sms.perSecond)} mails/s`,
        '',
      ],
    );
  }
  if (chosen.has('durable')) {
    const { load, readyMs } = await runSystem(() => startDurableSink(shim), settings);
    const syncs = load.syncs ? `, fsyncs per mail ${format(load.syncs.file)} files + ${format(load.syncs.folder)} folders` : '';
    extras.push([
      'durable sink (spool only, no parse, no delivery)',
      'end of DATA → 250',
      `p50 ${format(load.reply.p50)} ms, p99 ${format(load.reply.p99)} ms, ${format(load.perSecond)} mails/s, CPU ${format(load.cpuMsPerMail)} ms per mail${syncs}`,
      `peak RSS ${format(load.peakRssMb)} MB (under tsx), ready ${format(readyMs / 1000)} s`,
    ]);
  }
  if (chosen.has('camera')) {
    for (const paced of [true, false]) {
      const camera = await benchCamera(nodeArgs, shim, paced, Number(values['camera-mails']));
      const { p50, p99 } = spread(camera.latencies);
      const target = paced ? `; target p50 ≤ 50 ms: ${p50 <= 50 ? 'met' : 'MISSED'}` : '';
      extras.push([
        `camera, ${paced ? 'one at a time' : 'back to back'}`,
        `end of DATA → picture on MQTT (${camera.mails} mails of ${format(camera.imageBytes / 1024 / 1024)} MB JPEG)`,
        `p50 ${format(p50)} ms, p99 ${format(p99)} ms${target}`,
        `peak RSS ${format(camera.peakRssMb)} MB`,
      ]);
    }
  }
  if (chosen.has('flood')) {
    const flood = await runFlood(Number(values['flood-clients']), Number(values['flood-seconds']), nodeArgs, shim);
    extras.push(
      [
        `flood: ${flood.clients} clients of status mails for ${flood.seconds} s`,
        'alarm in the middle: its 250 → event',
        `${format(flood.alarmEventMs)} ms (end of DATA → 250 ${format(flood.alarmReplyMs)} ms); target ≤ 1000 ms: ${flood.alarmEventMs <= 1000 ? 'met' : 'MISSED'}`,
        `${flood.accepted} status mails accepted`,
      ],
      [
        '',
        'longest wait for a reply / refused in a row',
        `${format(flood.longestReplyWaitMs)} ms / ${format(flood.longestRefusedMs)} ms (${flood.refusals} refusals)`,
        `backlog drained ${Number.isNaN(flood.drainMs) ? 'not within 60 s' : `${format(flood.drainMs)} ms`} after the flood`,
      ],
    );
  }
  if (extras.length > 0) console.info(`\n${table(['', 'figure', 'value', ''], extras)}`);
} finally {
  await shim?.remove();
}
