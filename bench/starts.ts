// Ways of starting (issue 23): peak RSS and ready time of the bridge started as users start it, under the 600-mail
// load and after 300 camera mails of 2 MB: `npm start`'s command line, dist/bin.js through its shebang,
// `npx alarm-mail-bridge`, and the add-on's run.sh. The last three run an install of the packed tarball in a temp
// prefix (npm pack + npm install --prefix), laid out as the add-on's /app. The command lines are read from
// package.json, addon/run.sh and addon/Dockerfile at run time, as the launcher may change.
// Figures for the bridge process itself (the deepest Node process of the tree) and for the whole tree (npx keeps an
// npm process): the tree's figure is the sum of each process's own peak, an upper bound of the tree's peak.
//   npm run bench:starts -- [--mails 600] [--clients 4] [--camera-mails 300] [--fsync-delay-ms 20] [--ways npm-start,shebang,npx,run.sh]
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { Subscriber } from '../test/helpers/mqtt-subscriber.js';
import { freePort } from '../test/helpers/ports.js';
import { sendCameraMails } from './camera.js';
import { FsyncShim } from './fsync-shim.js';
import { measureLoad } from './measure.js';
import { peakRssMb, processTree } from './proc.js';
import { startAndAwaitGreeting, stopProcess } from './process.js';
import { format, table } from './report.js';
import { spread } from './stats.js';
import { bridgeConfig, bridgeEventTopic, root } from './systems.js';

const wayNames = ['npm-start', 'shebang', 'npx', 'run.sh'] as const;
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '600' },
    clients: { type: 'string', default: '4' },
    'camera-mails': { type: 'string', default: '300' },
    'fsync-delay-ms': { type: 'string', default: '0' },
    ways: { type: 'string', default: wayNames.join(',') },
  },
});
const chosen = values.ways.split(',');
for (const way of chosen) if (!(wayNames as readonly string[]).includes(way)) throw new Error(`--ways: any of ${wayNames.join(', ')}`);
const run = promisify(execFile);
const nodeDir = dirname(process.execPath);
/** The same Node as this benchmark's first on the PATH, for the shebang (`#!/usr/bin/env node`) and npx. */
const path = [nodeDir, process.env.PATH].join(delimiter);

interface Way {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How this way's command line was found, for the table's notes. */
  note: string;
}

/** `npm start` runs its script with `sh -c` in the package folder (after `prestart`'s build, done once here). */
async function npmStart(configFile: string): Promise<Way> {
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return {
    name: 'npm start',
    command: 'sh',
    args: ['-c', `${scripts.start} "$@"`, 'sh', '--config', configFile],
    cwd: root,
    env: { PATH: [join(root, 'node_modules', '.bin'), path].join(delimiter) },
    note: `package.json start: ${scripts.start}`,
  };
}

/**
 * The add-on's run.sh needs bashio and with-contenv (s6 in the image), which are not here: its `exec` line runs
 * as written, with /app mapped to the install prefix, after its `export`s and the image's `ENV` lines.
 */
async function addonRun(prefix: string, configFile: string): Promise<Way> {
  const script = await readFile(join(root, 'addon', 'run.sh'), 'utf8');
  const dockerfile = await readFile(join(root, 'addon', 'Dockerfile'), 'utf8');
  const env: NodeJS.ProcessEnv = {};
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  for (const [, name, value] of finalStage.matchAll(/^ENV\s+(\w+)[=\s]+"?([^"\n]*)"?$/gm)) env[name!] = value!;
  for (const [, name, value] of script.matchAll(/^export\s+(\w+)=["']?([^"'\n]*)["']?$/gm)) env[name!] = value!;
  const exec = /^exec\s+(.+)$/m.exec(script)?.[1];
  if (!exec) throw new Error('addon/run.sh: no exec line');
  const [command, ...args] = exec.replaceAll('/app/', `${prefix}/`).split(/\s+/);
  return {
    name: 'add-on run.sh (its exec line)',
    command: command === 'node' ? process.execPath : command!,
    args,
    cwd: prefix,
    env: { ...env, PATH: path, ALARM_MAIL_BRIDGE_CONFIG: configFile },
    note: `run.sh: exec ${exec}${Object.keys(env).length > 0 ? `; env ${Object.keys(env).join(', ')}` : ''} (bashio and with-contenv left out)`,
  };
}

async function way(name: (typeof wayNames)[number], prefix: string, configFile: string): Promise<Way> {
  const bin = join(prefix, 'node_modules', 'alarm-mail-bridge', 'dist', 'bin.js');
  switch (name) {
    case 'npm-start':
      return npmStart(configFile);
    case 'shebang':
      return {
        name: 'dist/bin.js (shebang)',
        command: bin,
        args: ['--config', configFile],
        cwd: prefix,
        env: { PATH: path },
        note: 'the installed dist/bin.js',
      };
    case 'npx': {
      const npx = existsSync(join(nodeDir, 'npx')) ? join(nodeDir, 'npx') : 'npx';
      return {
        name: 'npx alarm-mail-bridge',
        command: npx,
        args: ['alarm-mail-bridge', '--config', configFile],
        cwd: prefix,
        env: { PATH: path },
        note: 'npx in the install prefix',
      };
    }
    case 'run.sh':
      return addonRun(prefix, configFile);
  }
}

/** The bridge itself: the deepest Node process of the tree (npx → sh → node, or a launcher that starts a child). */
async function bridgeProcess(pids: number[]): Promise<number> {
  let bridge = pids[0]!;
  for (const pid of pids) {
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    if (/\bnode[^/]*$/.test(exe)) bridge = pid;
  }
  return bridge;
}

async function treePeakMb(pids: number[]): Promise<number> {
  let sum = 0;
  for (const pid of pids) sum += await peakRssMb(pid).catch(() => 0);
  return sum;
}

interface WayFigures {
  way: Way;
  readyMs: number;
  processes: number;
  perSecond: number;
  afterLoad: { bridge: number; tree: number };
  afterCameras: { bridge: number; tree: number };
  cameraP50: number;
}

async function measure(name: (typeof wayNames)[number], prefix: string, shim: FsyncShim | undefined): Promise<WayFigures> {
  const broker = await Mosquitto.start();
  const port = await freePort();
  const files = await bridgeConfig(port, broker.url, { http: { port: await freePort() } });
  let subscriber: Subscriber | undefined;
  let stop: () => Promise<void> = async () => undefined;
  try {
    const chosenWay = await way(name, prefix, files.file);
    const shimmed = await shim?.environment({ ...process.env, ...chosenWay.env });
    const { child, readyMs } = await startAndAwaitGreeting(chosenWay.command, chosenWay.args, port, {
      cwd: chosenWay.cwd,
      env: shimmed?.env ?? { ...process.env, ...chosenWay.env },
    });
    const tree = await processTree(child.pid ?? 0);
    const pid = await bridgeProcess(tree);
    stop = async () => {
      await stopProcess(child, pid);
      // Whatever of the tree outlived its root (a launcher's child) is ended too.
      for (const other of tree) {
        try {
          process.kill(other, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      }
    };
    subscriber = await Subscriber.connect(broker.url, [bridgeEventTopic]);
    const system = { port, pid, readyMs, counter: shimmed?.counter, eventTopic: bridgeEventTopic, stop };
    const load = await measureLoad(system, subscriber, { mails: Number(values.mails), clients: Number(values.clients), first: 0 });
    const afterLoad = { bridge: await peakRssMb(pid), tree: await treePeakMb(await processTree(child.pid ?? 0)) };
    const cameras = await sendCameraMails(port, broker.url, Number(values['camera-mails']), false);
    const afterCameras = { bridge: await peakRssMb(pid), tree: await treePeakMb(await processTree(child.pid ?? 0)) };
    return {
      way: chosenWay,
      readyMs,
      processes: tree.length,
      perSecond: load.perSecond,
      afterLoad,
      afterCameras,
      cameraP50: spread(cameras).p50,
    };
  } finally {
    await stop();
    await subscriber?.close();
    await broker.stop();
    await files.remove();
  }
}

const fsyncDelayMs = Number(values['fsync-delay-ms']);
const shim = fsyncDelayMs > 0 ? await FsyncShim.build(fsyncDelayMs) : undefined;
const work = await mkdtemp(join(tmpdir(), 'amb-bench-starts-'));
try {
  const packedAt = performance.now();
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, env: { ...process.env, PATH: path } });
  const tarball = join(work, stdout.trim().split('\n').at(-1)!);
  const prefix = join(work, 'app');
  await run(
    'npm',
    ['install', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
    {
      env: { ...process.env, PATH: path },
    },
  );
  console.info(
    `ways of starting: ${values.mails} mails from ${values.clients} clients, then ${values['camera-mails']} camera mails of 2 MB back to back; ` +
      `fsync delay ${fsyncDelayMs} ms; Node ${process.version}; packed and installed in ${format((performance.now() - packedAt) / 1000)} s`,
  );
  const results: WayFigures[] = [];
  for (const name of wayNames) if (chosen.includes(name)) results.push(await measure(name, prefix, shim));
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  console.info(
    `\n${table(
      [
        'way',
        'processes',
        'ready, s',
        'mails/s',
        'peak RSS after load: bridge / tree, MB',
        'after camera mails: bridge / tree, MB',
        'camera p50, ms',
        'ready ≤ 0.6 s',
        'peak RSS of the tree ≤ 100 MB',
      ],
      results.map((result) => [
        result.way.name,
        String(result.processes),
        format(result.readyMs / 1000),
        format(result.perSecond),
        `${format(result.afterLoad.bridge)} / ${format(result.afterLoad.tree)}`,
        `${format(result.afterCameras.bridge)} / ${format(result.afterCameras.tree)}`,
        format(result.cameraP50),
        verdict(result.readyMs <= 600),
        verdict(result.afterCameras.tree <= 100),
      ]),
    )}`,
  );
  for (const result of results) console.info(`${result.way.name}: ${result.way.note}`);
} finally {
  await shim?.remove();
  await rm(work, { recursive: true, force: true });
}
