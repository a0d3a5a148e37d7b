// Benchmark case: camera mails with a 2 MB JPEG snapshot over one SMTP connection into the bridge (compiled, as
// shipped) with a real Mosquitto. Figures: end of DATA → the snapshot's bytes on `<prefix>/camera/<id>/image`
// (p50/p99), and the bridge's peak RSS; `paced`: each mail only once the previous picture arrived (a camera's
// pace: the latency of one mail), else back to back (a burst: what a queue of them costs). The sequence number is
// written into each picture, so every arrival is matched to its mail and no two pictures share a SHA-256.
import { connectAsync } from 'mqtt';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import type { FsyncShim } from './fsync-shim.js';
import { peakRssMb } from './proc.js';
import { expect, openSession } from './smtp-load.js';
import { type System, startBridge } from './systems.js';

export interface CameraFigures {
  mails: number;
  imageBytes: number;
  latencies: number[];
  peakRssMb: number;
}

/** How long after the last mail's 250 its pictures may take before the run fails. */
const pictureWaitMs = 120_000;

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

/**
 * Sends `mails` camera mails over one connection to a running bridge and times each picture's arrival on MQTT;
 * `paced`: each mail only once the previous picture arrived.
 */
export async function sendCameraMails(
  port: number,
  brokerUrl: string,
  mails: number,
  paced: boolean,
  imageBytes = 2 * 1024 * 1024,
): Promise<number[]> {
  const subscriber = await connectAsync(brokerUrl);
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
  try {
    await subscriber.subscribeAsync('alarm-mail-bridge/camera/+/image', { qos: 1 });
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
    // A picture that never comes fails the run with a count instead of hanging it.
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${mails - arrived.size} of ${mails} pictures did not arrive`)), pictureWaitMs);
    });
    await Promise.race([all, stalled]).finally(() => clearTimeout(timer));
    return [...dataEnd].map(([sequence, end]) => (arrived.get(sequence) ?? Number.NaN) - end);
  } finally {
    await subscriber.endAsync();
  }
}

/** A bridge of its own, on its own Mosquitto, through `mails` camera mails. */
export async function benchCamera(
  nodeArgs: string[],
  shim: FsyncShim | undefined,
  paced: boolean,
  mails = 40,
  imageBytes = 2 * 1024 * 1024,
): Promise<CameraFigures> {
  const broker = await Mosquitto.start();
  let bridge: System | undefined;
  try {
    bridge = await startBridge({ brokerUrl: broker.url, shim, nodeArgs });
    const latencies = await sendCameraMails(bridge.port, broker.url, mails, paced, imageBytes);
    return { mails, imageBytes, latencies, peakRssMb: await peakRssMb(bridge.pid) };
  } finally {
    await bridge?.stop();
    await broker.stop();
  }
}
