// Retained values the MQTT output holds for others (each output's last result and problem flag): each is
// published once when it changes and once after each connect, never twice for one value on one connection.
import type { IClientPublishOptions, MqttClient } from 'mqtt';

const retained: IClientPublishOptions = { qos: 1, retain: true };

export class RetainedValues {
  readonly #values = new Map<string, string>();
  /** What went out on the current connection; a new connection starts empty, since the broker may have lost it. */
  readonly #published = new Map<string, string>();
  #client: MqttClient | undefined;
  readonly #onFailure: (topic: string, error: unknown) => void;

  /** `onFailure`: a publish that failed; the value goes out again after the next connect anyway. */
  constructor(onFailure: (topic: string, error: unknown) => void) {
    this.#onFailure = onFailure;
  }

  /** Remembers the value and, when connected, publishes it unless this connection already has it. */
  set(topic: string, payload: string): void {
    this.#values.set(topic, payload);
    const client = this.#client;
    if (client?.connected) void this.#publish(client, topic, payload);
  }

  /** After a connect: every value once. Resolves when the broker has them. */
  async connected(client: MqttClient): Promise<void> {
    this.#client = client;
    this.#published.clear();
    await Promise.all([...this.#values].map(([topic, payload]) => this.#publish(client, topic, payload)));
  }

  #publish(client: MqttClient, topic: string, payload: string): Promise<void> {
    if (this.#published.get(topic) === payload) return Promise.resolve();
    this.#published.set(topic, payload);
    return client.publishAsync(topic, payload, retained).then(
      () => undefined,
      (error: unknown) => {
        // Not on the broker: the next connect must send it again.
        if (this.#published.get(topic) === payload) this.#published.delete(topic);
        this.#onFailure(topic, error);
      },
    );
  }
}
