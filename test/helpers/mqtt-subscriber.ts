// A real MQTT subscriber that records what arrives and lets a test wait for a message.
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  /** The payload as it came, for binary ones (a camera's picture). */
  bytes: Buffer;
  retain: boolean;
}

export class Subscriber {
  readonly messages: Received[] = [];
  readonly #client: MqttClient;
  #waiters: { predicate: (message: Received) => boolean; resolve: (message: Received) => void }[] = [];

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString('utf8'), bytes: payload, retain: packet.retain };
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  static async connect(url: string, topics: string[], options: IClientOptions = {}): Promise<Subscriber> {
    const client = await connectAsync(url, { reconnectPeriod: 100, ...options });
    const subscriber = new Subscriber(client);
    if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
    return subscriber;
  }

  /** The first message (already received or still to come) on `topic` that satisfies `predicate`. */
  next(topic: string, predicate: (message: Received) => boolean = () => true): Promise<Received> {
    const match = (message: Received) => message.topic === topic && predicate(message);
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ predicate: match, resolve }));
  }

  /** Waits until `count` messages arrived on `topic`. */
  async collect(topic: string, count: number): Promise<Received[]> {
    for (;;) {
      const found = this.messages.filter((message) => message.topic === topic);
      if (found.length >= count) return found;
      await new Promise<Received>((resolve) => this.#waiters.push({ predicate: (message) => message.topic === topic, resolve }));
    }
  }

  /** Calls `listener` for every message from now on (for benchmarks that must not keep them all). */
  onMessage(listener: (payload: string, topic: string) => void): void {
    this.#client.on('message', (topic, payload) => listener(payload.toString('utf8'), topic));
  }

  async publish(topic: string, payload: string): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: 1 });
  }

  on(topic: string): Received[] {
    return this.messages.filter((message) => message.topic === topic);
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}
