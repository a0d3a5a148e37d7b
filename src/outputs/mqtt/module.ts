// The MQTT output as a module: its config section, secret, environment overrides, its own files in data_dir, its
// tuning, and the broker it talks to (the configured one, the Supervisor's, or an embedded one it starts itself).
import { join } from 'node:path';
import { isListenError, listenFailed } from '../../start/start-failed.js';
import { type OutputContext, outputModule } from '../module.js';
import { type MqttConfig, mqttSection } from './config.js';
import type { MqttConnection } from './connection.js';

export const mqttModule = outputModule({
  name: 'mqtt',
  schema: mqttSection.prefault({}),
  secrets: ['password'],
  environment: {
    ALARM_MAIL_BRIDGE_MQTT_URL: ['url'],
    ALARM_MAIL_BRIDGE_MQTT_USERNAME: ['username'],
    ALARM_MAIL_BRIDGE_MQTT_PASSWORD: ['password'],
  },
  // The MQTT output shows others' health and has no health entity of its own: its availability topic says it.
  health: () => undefined,
  async create(settings, context) {
    const [{ MqttOutput }, { StateFile }] = await Promise.all([import('./index.js'), import('../../spool/state-file.js')]);
    const { connection, close } = await brokerFor(settings, context);
    const output = new MqttOutput(
      {
        connection,
        topicPrefix: settings.topic_prefix,
        discoveryPrefix: settings.discovery_prefix,
        discovery: settings.discovery,
        motionOffDelaySeconds: settings.motion_off_delay,
        cameraMotionOffDelaySeconds: settings.camera_motion_off_delay,
        version: context.packageInfo.version,
        projectUrl: context.packageInfo.homepage,
        catalog: context.catalog,
        health: context.health,
        fullAddresses: settings.full_addresses,
      },
      {
        log: context.log.child({ component: 'mqtt' }),
        bus: context.bus,
        entities: context.entities,
        currentAlarmState: context.panelState,
        // Changed by many events in a row (a panel's first mails, each naming a zone): written at most once a second.
        zoneFile: new StateFile(join(context.dataDir, 'zones.json'), { minIntervalMs: 1000 }),
        announcedFile: new StateFile(join(context.dataDir, 'discovery.json'), { minIntervalMs: 1000 }),
        cameraFile: new StateFile(join(context.dataDir, 'cameras.json'), { minIntervalMs: 1000 }),
        lastValuesFile: new StateFile(join(context.dataDir, 'last-values.json')),
        images: context.images ?? { read: async () => undefined },
      },
    );
    // MQTT keeps order on its one connection, so many events may wait for their PUBACK at once.
    return { output, delivery: { window: 100, minRetryMs: 500, maxRetryMs: 30_000 }, close };
  },
});

/** The configured broker; else the one the platform finds (Supervisor); else the embedded one (standalone). */
async function brokerFor(
  settings: MqttConfig,
  { log, platform }: OutputContext,
): Promise<{ connection: () => Promise<MqttConnection>; close?: () => Promise<void> }> {
  const { url, username, password } = settings;
  if (url) return { connection: async () => ({ url, username, password }) };
  if (platform.mqttConnection) return { connection: platform.mqttConnection };
  // Loaded only when used: a configured broker keeps start-up lean.
  const { startEmbeddedBroker } = await import('./embedded-broker.js');
  const { embedded_host: host, embedded_port: port } = settings;
  const broker = await startEmbeddedBroker(host, port, log.child({ component: 'broker' })).catch((error: unknown) => {
    if (!isListenError(error)) throw error;
    const inUse = `a broker already listens on ${port}: set mqtt.url to use it, or mqtt.embedded_port to a free port`;
    throw listenFailed({ portKey: 'mqtt.embedded_port', hostKey: 'mqtt.embedded_host', host, port, inUse }, error);
  });
  return { connection: async () => ({ url: broker.url, username: '', password: '' }), close: () => broker.close() };
}
