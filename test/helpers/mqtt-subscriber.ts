// A real MQTT subscriber that records what arrives and lets a test wait for a message, up to a deadline: a message
// that never comes fails the test with what did come instead of hanging until the runner's timeout.
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  /** The payload as it came, for binary ones (a camera's picture). */
  bytes: Buffer;
  retain: boolean;
}

export interface WaitOptions {
  /** How long to wait before failing; generous by default, as other test runs share the machine's 2 cores. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 20_000;
/** The message listing of a failure shows this many of the last messages on the topic, each cut to this length. */
const listedMessages = 20;
const listedPayloadChars = 300;

interface Waiter {
  matches: (message: Received) => boolean;
  resolve: (message: Received) => void;
  timer: NodeJS.Timeout;
}

export class Subscriber {
  readonly messages: Received[] = [];
  readonly #client: MqttClient;
  #waiters: Waiter[] = [];

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString('utf8'), bytes: payload, retain: packet.retain };
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.matches(message)) return true;
        clearTimeout(waiter.timer);
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

  /**
   * The first message (already received or still to come) on `topic` that satisfies `predicate`; rejects after
   * `timeoutMs` with the messages that did come on `topic`.
   */
  async next(
    topic: string,
    predicate: (message: Received) => boolean = () => true,
    { timeoutMs = defaultTimeoutMs }: WaitOptions = {},
  ): Promise<Received> {
    const match = (message: Received) => message.topic === topic && predicate(message);
    return this.messages.find(match) ?? this.#arrival(topic, match, 'a message that matches', timeoutMs);
  }

  /** Waits until `count` messages arrived on `topic` and returns them all; rejects after `timeoutMs` with those that did. */
  async collect(topic: string, count: number, { timeoutMs = defaultTimeoutMs }: WaitOptions = {}): Promise<Received[]> {
    const enough = () => this.on(topic).length >= count;
    if (!enough()) await this.#arrival(topic, (message) => message.topic === topic && enough(), `${count} messages`, timeoutMs);
    return this.on(topic);
  }

  /** Calls `listener` for every message from now on (for benchmarks that must not keep them all). */
  onMessage(listener: (payload: string, topic: string) => void): void {
    this.#client.on('message', (topic, payload) => listener(payload.toString('utf8'), topic));
  }

  async publish(topic: string, payload: string, { retain = false }: { retain?: boolean } = {}): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: 1, retain });
  }

  on(topic: string): Received[] {
    return this.messages.filter((message) => message.topic === topic);
  }

  /** Closes the connection; a wait still pending then never settles (its test has ended). */
  async close(): Promise<void> {
    for (const waiter of this.#waiters) clearTimeout(waiter.timer);
    this.#waiters = [];
    await this.#client.endAsync(true);
  }

  /** The first message still to come that `matches`; rejects after `timeoutMs` with what came on `topic` instead. */
  #arrival(topic: string, matches: (message: Received) => boolean, wanted: string, timeoutMs: number): Promise<Received> {
    // Made now, so that its stack names the test's line that waited, not the timer.
    const failure = new Error('');
    return new Promise<Received>((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((other) => other !== waiter);
          failure.message = this.#missing(topic, wanted, timeoutMs);
          reject(failure);
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** What a test waited for and what came instead: the messages on its topic, and which other topics had some. */
  #missing(topic: string, wanted: string, timeoutMs: number): string {
    const received = this.on(topic);
    const listed = received.slice(-listedMessages).map((message, index) => {
      const text = message.bytes.includes(0) ? `<${message.bytes.length} bytes>` : message.payload;
      const cut = text.length > listedPayloadChars ? `${text.slice(0, listedPayloadChars)}… (${text.length} chars)` : text;
      return `  ${received.length - Math.min(received.length, listedMessages) + index + 1}. ${cut}${message.retain ? ' (retained)' : ''}`;
    });
    const others = new Map<string, number>();
    for (const message of this.messages) if (message.topic !== topic) others.set(message.topic, (others.get(message.topic) ?? 0) + 1);
    return [
      `waited ${timeoutMs} ms on "${topic}" for ${wanted}; received on it ${received.length}${received.length > 0 ? ':' : ''}`,
      ...(received.length > listedMessages ? [`  … ${received.length - listedMessages} earlier ones left out`] : []),
      ...listed,
      `other topics: ${others.size > 0 ? [...others].map(([name, count]) => `${name} (${count})`).join(', ') : 'none'}`,
    ].join('\n');
  }
}
