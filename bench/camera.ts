// Benchmark case: camera mails with a 2 MB JPEG snapshot over one SMTP connection into the bridge (compiled, as
// shipped) with a real Mosquitto. Figures: end of DATA → the snapshot's bytes on `<prefix>/camera/<id>/image`
// (p50/p99), and the bridge's peak RSS; `paced`: each mail only once the previous picture arrived (a camera's
// pace: the latency of one mail), else back to back (a burst: what a queue of them costs). The sequence number is
// written into each picture, so every arrival is matched to its mail and no two pictures share a SHA-256.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { stringify } from 'yaml';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { stopProcess } from './process.js';
import { expect, openSession } from './smtp-load.js';

export interface CameraFigures {
  mails: number;
  imageBytes: number;
  latencies: number[];
  peakRssMb: number;
}

/** A JPEG as far as the bytes go (SOI … EOI) with the sequence number at offset 4; the rest is noise. */
function snapshot(sequence: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 4) bytes.writeUInt32LE((offset * 2654435761) >>> 0, Math.min(offset, size - 4));
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.writeUInt32BE(sequence, 4);
  bytes.set([0xff, 0xd9], size - 2);
  return bytes;
}

function cameraMail(image: Buffer): string {
  const base64 = (image.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return [
    'From: cam@cam.local',
    'To: camera@bridge.local',
    'Subject: Motion on Bench',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Motion detected on camera: Bench',
    '--b',
    'Content-Type: image/jpeg; name="snapshot.jpg"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="snapshot.jpg"',
    '',
    base64,
    '--b--',
    '',
  ].join('\r\n');
}

export async function benchCamera(
  root: string,
  nodeArgs: string[],
  readPeakRssMb: (pid: number) => Promise<number>,
  paced: boolean,
  mails = 40,
  imageBytes = 2 * 1024 * 1024,
): Promise<CameraFigures> {
  const broker = await Mosquitto.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'amb-bench-camera-'));
  const port = await freePort();
  const configFile = join(dataDir, 'config.yaml');
  await writeFile(
    configFile,
    stringify({ log_level: 'info', data_dir: dataDir, smtp: { host: '127.0.0.1', port }, mqtt: { url: broker.url } }),
  );
  const bridge = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'bin.js'), '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bridge.stdout?.resume();
  const subscriber = await connectAsync(broker.url);
  const arrived = new Map<number, number>();
  let allArrived: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (allArrived = resolve));
  let nextArrived: () => void = () => undefined;
  subscriber.on('message', (_topic, payload, packet) => {
    if (packet.retain) return; // the previous run's picture, or ours again after a reconnect
    arrived.set(payload.readUInt32BE(4), performance.now());
    nextArrived();
    if (arrived.size === mails) allArrived();
  });
  await subscriber.subscribeAsync('alarm-mail-bridge/camera/+/image', { qos: 1 });
  try {
    await waitForPort(port, bridge);
    const { socket, reader } = await openSession(port);
    const dataEnd = new Map<number, number>();
    for (let sequence = 0; sequence < mails; sequence++) {
      const mail = cameraMail(snapshot(sequence, imageBytes));
      socket.write('MAIL FROM:<cam@cam.local>\r\nRCPT TO:<camera@bridge.local>\r\nDATA\r\n');
      await expect(reader, '250');
      await expect(reader, '250');
      await expect(reader, '354');
      socket.write(`${mail}\r\n.\r\n`);
      dataEnd.set(sequence, performance.now());
      const thisArrived = new Promise<void>((resolve) => (nextArrived = resolve));
      await expect(reader, '250');
      if (paced && !arrived.has(sequence)) await thisArrived;
    }
    socket.end('QUIT\r\n');
    await all;
    return {
      mails,
      imageBytes,
      latencies: [...dataEnd].map(([sequence, end]) => (arrived.get(sequence) ?? Number.NaN) - end),
      peakRssMb: await readPeakRssMb(bridge.pid ?? 0),
    };
  } finally {
    await subscriber.endAsync();
    await stopProcess(bridge);
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
