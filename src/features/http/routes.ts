// The status page's routes: the health check, the metrics, and the page's API. GETs only look; the POSTs are the
// only requests that change anything (a test event, a quarantined mail put back, an incident acknowledged), never a GET.
import type { CommandResult } from '../../core/bus.js';
import { TrialBusy } from '../../pipeline/try-mail.js';
import { RecordUnreadable, SpoolUnavailable } from '../../spool/spool.js';
import type { BridgeView } from '../module.js';
import type { StatusView } from './api.js';
import { classificationOf } from './classification.js';
import type { EventLog } from './event-log.js';
import { maxLoggedEvents } from './event-log.js';
import { HttpError, type Reply, type Request, type Routes } from './server.js';

export interface RouteParts {
  log: EventLog;
  bridge: BridgeView;
  metrics: { contentType: string; text(): Promise<string> };
  status: () => Promise<StatusView>;
  health: () => Promise<StatusView['health']>;
  /** Presses the incidents feature's "Acknowledge alarm" button; resolves with its answer. */
  acknowledge: () => Promise<CommandResult>;
}

const defaultEventLimit = 100;
const sha256 = /^[0-9a-f]{64}$/u;

export function pageRoutes(parts: RouteParts): Routes {
  return async (request) => {
    const route = `${request.method === 'HEAD' ? 'GET' : request.method} ${request.path}`;
    switch (route) {
      case 'GET /healthz':
        return healthz(await parts.health());
      case 'GET /metrics':
        return { text: await parts.metrics.text(), contentType: parts.metrics.contentType };
      case 'GET /api/status':
        return { json: await parts.status() };
      case 'GET /api/events':
        return { json: parts.log.latest(eventLimit(request.query.get('limit'))) };
      case 'GET /api/events/stream':
        // HEAD would open a stream that nobody reads, holding one of the few.
        if (request.method === 'HEAD') throw new HttpError(405, 'GET only');
        return { stream: (send) => parts.log.subscribe((view) => send('event', view)) };
      case 'POST /api/test-event':
        return testEvent(parts.bridge, request);
      case 'POST /api/classify':
        return classify(parts.bridge, request);
      case 'POST /api/quarantine/retry':
        return retry(parts.bridge, request);
      case 'POST /api/incidents/acknowledge':
        return acknowledge(parts);
    }
    if (request.method !== 'POST' && request.path.startsWith('/api/snapshots/')) return snapshot(parts, request.path.slice(15));
    return undefined;
  };
}

function healthz({ ok, problems }: StatusView['health']): Reply {
  return ok ? { json: { status: 'ok' } } : { json: { status: 'unhealthy', problems }, status: 503 };
}

function eventLimit(asked: string | null): number {
  const limit = asked === null ? defaultEventLimit : Number(asked);
  if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, `limit: a whole number from 1 to ${maxLoggedEvents}`);
  return Math.min(limit, maxLoggedEvents);
}

async function testEvent(bridge: BridgeView, { body }: Request): Promise<Reply> {
  const { deliver = false } = objectOf(body);
  if (typeof deliver !== 'boolean') throw new HttpError(400, 'deliver: true or false');
  return { json: { id: await stored(() => bridge.submitTest({ deliver })) }, status: 202 };
}

async function classify(bridge: BridgeView, { body }: Request): Promise<Reply> {
  const { text, recipient } = objectOf(body);
  if (typeof text !== 'string' || text.trim() === '') throw new HttpError(400, 'text: a line or a whole mail');
  if (recipient !== undefined && (typeof recipient !== 'string' || !recipient.includes('@')))
    throw new HttpError(400, 'recipient: an address such as alarm@home');
  const tried = await bridge
    .tryMail({ raw: Buffer.from(text), ...(recipient ? { recipients: [recipient] } : {}) })
    .catch((error: unknown) => {
      throw error instanceof TrialBusy ? new HttpError(429, 'another mail is being tried: try again in a moment') : error;
    });
  return { json: classificationOf(tried, bridge.mask) };
}

async function retry(bridge: BridgeView, { body }: Request): Promise<Reply> {
  const { id } = objectOf(body);
  if (typeof id !== 'string' || id === '') throw new HttpError(400, 'id: the quarantined mail');
  try {
    const requeued = await stored(() => bridge.retryQuarantined(id));
    if (requeued === undefined) throw new HttpError(404, `no mail ${id} in quarantine`);
    return { json: { id: requeued }, status: 202 };
  } catch (error) {
    if (error instanceof RecordUnreadable) throw new HttpError(409, `cannot be read again: ${error.message}`);
    throw error;
  }
}

/** 200 `{"result":"done"}`, or 409 when no incident is open. */
async function acknowledge({ acknowledge: press }: RouteParts): Promise<Reply> {
  const { result, reason } = await press();
  if (result === 'refused') throw new HttpError(409, reason ?? 'refused');
  return { json: { result } };
}

async function snapshot({ log, bridge }: RouteParts, hash: string): Promise<Reply | undefined> {
  // Only a picture a logged event names: the page is no way to read the snapshot store at large.
  const image = sha256.test(hash) ? log.image(hash) : undefined;
  const bytes = image && (await bridge.images?.read(image));
  return image && bytes ? { bytes, contentType: image.content_type } : undefined;
}

/** A full or read-only disk is the bridge's state, not the caller's mistake: 503, as `/healthz` would say. */
async function stored<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof SpoolUnavailable) throw new HttpError(503, error.message);
    throw error;
  }
}

function objectOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'send a JSON object');
  return body as Record<string, unknown>;
}
