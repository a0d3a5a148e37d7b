// The MQTT broker as Home Assistant's Supervisor offers it to add-ons (`services: [mqtt:need]`):
// `GET <supervisor>/services/mqtt` with the add-on's bearer token.
import pRetry from 'p-retry';
import { type Logger, redactUrl } from '../log.js';
import type { MqttConnection } from '../outputs/mqtt/connection.js';

export type LookupFailure = 'not_enabled' | 'unauthorized' | 'unreachable' | 'bad_response';

/** The Supervisor gave no broker; `reason` says whether waiting can help (it always may: a broker add-on can be installed). */
export class SupervisorLookupFailed extends Error {
  readonly reason: LookupFailure;
  constructor(reason: LookupFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SupervisorLookupFailed';
    this.reason = reason;
  }
}

interface ServiceAnswer {
  result?: string;
  message?: string;
  data?: { host?: string; port?: number | string; ssl?: boolean; username?: string; password?: string };
}

export async function lookUpMqttService(supervisorUrl: string, token: string, timeoutMs = 10_000): Promise<MqttConnection> {
  let response: Response;
  try {
    response = await fetch(`${supervisorUrl.replace(/\/+$/, '')}/services/mqtt`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // The cause's words are left to the cause: the logger appends them, once.
    throw new SupervisorLookupFailed('unreachable', `Supervisor not reachable at ${redactUrl(supervisorUrl)}`, { cause: error });
  }
  const answer = (await response.json().catch(() => ({}))) as ServiceAnswer;
  if (response.status === 401 || response.status === 403) {
    throw new SupervisorLookupFailed('unauthorized', `Supervisor refused the token (HTTP ${response.status})`);
  }
  if (!response.ok || answer.result !== 'ok') {
    // The Supervisor answers 400 "Service not enabled" when no broker add-on provides MQTT.
    const reason = /not enabled/i.test(answer.message ?? '') ? 'not_enabled' : 'bad_response';
    throw new SupervisorLookupFailed(reason, `Supervisor has no MQTT service: ${answer.message ?? `HTTP ${response.status}`}`);
  }
  const { host, port, ssl, username, password } = answer.data ?? {};
  if (!host || !port) throw new SupervisorLookupFailed('bad_response', 'Supervisor answered without host or port');
  // The docs call port a string, the Supervisor sends a number: accept both.
  return { url: `${ssl ? 'mqtts' : 'mqtt'}://${host}:${Number(port)}`, username: username ?? '', password: password ?? '' };
}

/**
 * Asks until the Supervisor has a broker: "not enabled" (no broker add-on yet) and a Supervisor that is not
 * up yet are waited out with one log line per kind of failure, not a crash loop. Mails are spooled meanwhile.
 */
export async function mqttServiceWhenReady(
  supervisorUrl: string,
  token: string,
  log: Logger,
  firstRetryMs = 2_000,
): Promise<MqttConnection> {
  let lastReason: LookupFailure | undefined;
  const connection = await pRetry(() => lookUpMqttService(supervisorUrl, token), {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: firstRetryMs,
    maxTimeout: 60_000,
    onFailedAttempt: ({ error }) => {
      const reason = error instanceof SupervisorLookupFailed ? error.reason : 'unreachable';
      if (reason === lastReason) return;
      lastReason = reason;
      const advice = {
        not_enabled: 'install and start the Mosquitto broker add-on, or set mqtt.url; mails are kept until then',
        unauthorized: 'the add-on has no valid SUPERVISOR_TOKEN; mails are kept, retrying',
        unreachable: 'waiting for the Supervisor; mails are kept, retrying',
        bad_response: 'unexpected answer from the Supervisor; mails are kept, retrying',
      }[reason];
      log[reason === 'unreachable' ? 'warn' : 'error']({ reason, err: error }, `no MQTT broker from the Supervisor: ${advice}`);
    },
  });
  log.info({ url: redactUrl(connection.url) }, 'MQTT broker from the Supervisor');
  return connection;
}
