// The embedded MQTT broker (aedes) for a standalone start with no broker configured.
// In-memory: retained messages last as long as the process, which the bridge re-publishes on start.
import { type AddressInfo, createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../../log.js';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(host: string, port: number, log: Logger): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  server.on('error', (error) => log.warn({ err: error }, 'embedded MQTT broker error'));
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  log.info({ host, port: boundPort }, 'no mqtt.url configured: running the embedded MQTT broker');
  return {
    url: `mqtt://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${boundPort}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
