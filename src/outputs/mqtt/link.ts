// The connection to the broker: connects and reconnects in the background, logs an outage once, and lets
// publishers wait until the broker is there.
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type MqttClient } from 'mqtt';
import { type Logger, redactUrl } from '../../log.js';
import type { MqttConnection } from './connection.js';

export interface LinkSettings {
  /** Where the broker is; may take a while (the Supervisor is asked in the add-on). */
  connection: () => Promise<MqttConnection>;
  /** Gets a retained `offline` as last will, and on a clean stop. */
  availabilityTopic: string;
}

export interface LinkHandlers {
  /** After every (re)connect, before waiting publishers go on. */
  onConnect: (client: MqttClient) => void;
  /** `retain`: a retained message the broker replays at the subscribe, not one sent now. */
  onMessage: (topic: string, payload: string, retain: boolean) => void;
  /** On every connect and every loss of the connection (also at stop), with the broker's URL, its password redacted. */
  onBroker?: (connected: boolean, url: string) => void;
}

const reconnectPeriodMs = 2000;
const offlineAckWaitMs = 2000;

/** MQTT 3.1.1 CONNACK 4/5 and MQTT 5 reason codes 134/135: a human must fix the credentials. */
const credentialRefusals = new Set([4, 5, 134, 135]);

export class MqttLink {
  readonly #settings: LinkSettings;
  readonly #log: Logger;
  readonly #handlers: LinkHandlers;
  #client: MqttClient | undefined;
  #connection = new Connection();
  #wasConnected = false;
  /** Connected now, as last told to `onBroker`. */
  #connected = false;
  #outageLogged = false;
  #url = '';
  #stopped = false;

  constructor(settings: LinkSettings, log: Logger, handlers: LinkHandlers) {
    this.#settings = settings;
    this.#log = log;
    this.#handlers = handlers;
  }

  /** Connects in the background, once the broker's address is known. */
  start(): void {
    this.#settings.connection().then(
      (connection) => {
        if (!this.#stopped) this.#connect(connection);
      },
      (error: unknown) => this.#log.error({ err: error }, 'no MQTT broker to connect to'),
    );
  }

  #connect({ url, username, password }: MqttConnection): void {
    const { availabilityTopic } = this.#settings;
    this.#url = url;
    const client = connect(url, {
      clientId: `alarm-mail-bridge_${randomBytes(4).toString('hex')}`,
      username: username || undefined,
      password: password || undefined,
      reconnectPeriod: reconnectPeriodMs,
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      will: { topic: availabilityTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client.on('connect', () => this.#onConnect(client));
    client.on('close', () => this.#onClose());
    client.on('error', (error) => this.#onError(error));
    client.on('message', (topic, payload, packet) => this.#handlers.onMessage(topic, payload.toString('utf8'), packet.retain));
    this.#client = client;
  }

  /** The client once connected; rejects when the link is stopped. */
  ready(): Promise<MqttClient> {
    return this.#connection.ready();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const client = this.#client;
    this.#connection.fail(new Error('MQTT output stopped'));
    if (!client) return;
    let offlineAcknowledged = false;
    if (client.connected) {
      // A broker that has stopped answering (not closed) would never acknowledge it; the last will covers that case.
      const offline = client.publishAsync(this.#settings.availabilityTopic, 'offline', { qos: 1, retain: true }).then(
        () => true,
        () => false,
      );
      offlineAcknowledged = (await Promise.race([offline, delay(offlineAckWaitMs, false, { ref: false })])) === true;
    }
    // mqtt.js keeps unacknowledged QoS 1 publishes for a reconnect and fails them on a forced end only when it
    // would not reconnect; without this a stop during an outage would wait for them forever.
    client.options.reconnectPeriod = 0;
    // A forced end drops the socket without DISCONNECT, so the broker would publish the last will: a second
    // `offline`. When the broker took ours and nothing else waits for an ACK, end politely; the will is dropped.
    const polite = offlineAcknowledged && client.connected && Object.keys(client.outgoing).length === 0;
    const ended = client.endAsync(!polite);
    // The polite end waits for the broker to close the socket; one that hangs right now gets it dropped.
    if (polite && !(await Promise.race([ended.then(() => true), delay(offlineAckWaitMs, false, { ref: false })]))) client.stream.destroy();
    await ended;
  }

  #onConnect(client: MqttClient): void {
    this.#log.info({ url: redactUrl(this.#url) }, this.#wasConnected ? 'reconnected to MQTT broker' : 'connected to MQTT broker');
    this.#wasConnected = true;
    this.#outageLogged = false;
    // Nagle's algorithm would hold the 2nd and 3rd publish of an event until the broker's ACK.
    if (client.stream instanceof Socket) client.stream.setNoDelay(true);
    this.#handlers.onConnect(client);
    this.#connection.open(client);
    this.#connected = true;
    this.#handlers.onBroker?.(true, redactUrl(this.#url));
  }

  #onClose(): void {
    if (this.#connected) {
      this.#connected = false;
      this.#handlers.onBroker?.(false, redactUrl(this.#url));
    }
    if (this.#connection.isOpen && !this.#stopped) {
      this.#log.warn('lost the MQTT broker: events wait in the spool until it is back');
      this.#connection = new Connection();
    }
  }

  #onError(error: Error & { code?: unknown }): void {
    if (this.#outageLogged) return;
    this.#outageLogged = true;
    const refused = typeof error.code === 'number' && credentialRefusals.has(error.code);
    const fields = { err: error, url: redactUrl(this.#url), retryEveryMs: reconnectPeriodMs };
    if (refused) this.#log.error(fields, 'MQTT broker refused the credentials: check mqtt.username and mqtt.password');
    else this.#log.warn(fields, 'cannot reach the MQTT broker: events wait in the spool, retrying');
  }
}

/** The broker link as something to wait for: publishers wait until it is up, and fail when stopping. */
class Connection {
  #client: MqttClient | undefined;
  #resolve: (client: MqttClient) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  readonly #ready: Promise<MqttClient>;

  constructor() {
    this.#ready = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#ready.catch(() => undefined);
  }

  get isOpen(): boolean {
    return this.#client !== undefined;
  }

  ready(): Promise<MqttClient> {
    return this.#ready;
  }

  open(client: MqttClient): void {
    this.#client = client;
    this.#resolve(client);
  }

  fail(error: Error): void {
    this.#reject(error);
  }
}
