// The MQTT output's cameras: per camera its events, last event, motion and last picture (raw bytes, retained, read
// from the snapshot store by the SHA-256 the event names), and its Home Assistant device. Cameras are remembered
// in cameras.json and their last events in last-values.json, so their devices, pictures and last events are
// announced again after a restart.
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { AlarmEvent } from '../../core/event.js';
import type { ImageStore } from '../../core/images.js';
import type { Logger } from '../../log.js';
import type { SourceCatalog } from '../../sources/catalog.js';
import type { SaveReport, StateFile } from '../../spool/state-file.js';
import { cameraDevice, cameraTopicsFor } from './camera-discovery.js';
import { type Cameras, cameraChange } from './cameras.js';
import type { DeviceDiscovery, DiscoveryContext } from './discovery.js';
import type { LastValues } from './last-values.js';

export interface CameraPublisherOptions {
  topicPrefix: string;
  catalog: SourceCatalog;
  discovery: DiscoveryContext & { cameraMotionOffDelaySeconds: number };
  file: StateFile<Cameras>;
  /** How a cameras.json that cannot be written is told; it never fails a delivery. */
  fileReport: SaveReport;
  /** Where each camera's last event is kept across restarts. */
  lastValues: LastValues;
  images: ImageStore;
  log: Logger;
}

const retained: IClientPublishOptions = { qos: 1, retain: true };
const once: IClientPublishOptions = { qos: 1, retain: false };

export class CameraPublisher {
  readonly #options: CameraPublisherOptions;
  #cameras: Cameras = {};
  /**
   * Each camera's newest picture: one still waiting for the broker (an outage, a burst) is not read or sent once a
   * newer one is due, so at most one picture per camera is held in memory, whatever the backlog.
   */
  readonly #newestImage = new Map<string, string>();

  constructor(options: CameraPublisherOptions) {
    this.#options = options;
  }

  async load(): Promise<void> {
    this.#cameras = (await this.#options.file.read()) ?? {};
  }

  /**
   * The camera's share of one event's publishes. The camera's state changes at once, in the order of the calls;
   * `announce` sends its discovery when it is new or changed. `payload` is the event's JSON as published. The write of
   * the cameras' file goes to `saves` (the event's, waited for before its record is retired, not by its delivery).
   */
  publish(
    client: Promise<MqttClient>,
    event: AlarmEvent,
    payload: string,
    announce: ((client: MqttClient, device: DeviceDiscovery) => Promise<void>) | undefined,
    saves: Promise<void>[],
  ): Promise<unknown>[] {
    const description = event.device === undefined ? undefined : this.#options.catalog.camera(event.source);
    const change = cameraChange(this.#cameras, event, description);
    if (!change || !description) return [];
    this.#cameras = { ...this.#cameras, [change.id]: change.state };
    this.#options.lastValues.setCamera(change.id, payload);
    const topics = cameraTopicsFor(this.#options.topicPrefix, change.id);
    const image = event.images?.[0];
    if (image) this.#newestImage.set(change.id, image.sha256);
    // Started now, in the order of the calls; never failing the publishes (StateFile.save).
    if (change.changed) saves.push(this.#options.file.save(this.#cameras, this.#options.fileReport));
    return [
      (async () => {
        const ready = await client;
        const publishes: Promise<unknown>[] = [
          ready.publishAsync(topics.event, payload, once),
          ready.publishAsync(topics.lastEvent, payload, retained),
        ];
        if (change.motion) publishes.push(ready.publishAsync(topics.motion, change.motion, once));
        if (image) publishes.push(this.#publishImage(ready, change.id, topics.image, image));
        if (change.rediscover && announce)
          publishes.push(announce(ready, cameraDevice(this.#options.discovery, topics, change.id, change.state, description)));
        await Promise.all(publishes);
      })(),
    ];
  }

  /** Every known camera's device, for the announcement after a connect. */
  devices(): DeviceDiscovery[] {
    return Object.entries(this.#cameras).flatMap(([id, state]) => {
      const description = this.#options.catalog.camera(state.source);
      return description
        ? [cameraDevice(this.#options.discovery, cameraTopicsFor(this.#options.topicPrefix, id), id, state, description)]
        : [];
    });
  }

  /**
   * The retained values a broker without persistence may have lost: last events, and last pictures one after another
   * (not every camera's picture in memory at once).
   */
  republish(client: MqttClient): Promise<unknown>[] {
    const cameras = Object.entries(this.#cameras);
    const lastEvents = cameras.flatMap(([id]) => {
      const lastEvent = this.#options.lastValues.camera(id);
      return lastEvent ? [client.publishAsync(cameraTopicsFor(this.#options.topicPrefix, id).lastEvent, lastEvent, retained)] : [];
    });
    const pictures = (async () => {
      for (const [id, state] of cameras)
        if (state.image) await this.#publishImage(client, id, cameraTopicsFor(this.#options.topicPrefix, id).image, state.image);
    })();
    return [...lastEvents, pictures];
  }

  /** A picture gone from the store (by age or size), or replaced by a newer one meanwhile, is not published; the event still is. */
  async #publishImage(
    client: MqttClient,
    cameraId: string,
    topic: string,
    image: NonNullable<AlarmEvent['images']>[number],
  ): Promise<void> {
    const newest = this.#newestImage.get(cameraId);
    if (newest !== undefined && newest !== image.sha256) return;
    const bytes = await this.#options.images.read(image);
    if (!bytes) {
      this.#options.log.debug({ sha256: image.sha256 }, 'snapshot no longer stored: not published');
      return;
    }
    await client.publishAsync(topic, bytes, retained);
  }
}
