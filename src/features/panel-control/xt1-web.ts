// The first Lupusec XT1's web interface, as the Home Assistant integration's library lupupy drives it
// (github.com/majuss/lupupy, lupupy/__init__.py and constants.py): HTTP Basic auth on every `/action/` request; the
// first XT1 answers `GET /images/model.gif` (the XT1 Plus, XT2 and XT3 do not, and speak another API: a token from
// `tokenGet` in an `X-Token` header, other mode numbers, an `area`); `POST /action/login` before the rest;
// `POST /action/panelCondPost` with the form field `mode` (0 arm, 1 home, 2 disarm) answers `{result: 1}` when the
// panel took it; `GET /action/panelCondGet` tells the mode as text in `updates.mode_st` (`Arm`, `Home`, `Disarm`).
// Every request has a timeout, every answer a size bound, and no error carries the password.
import { parse as parseYaml } from 'yaml';

/** The modes the XT1 can be put in, as the bridge's alarm states. */
export type PanelMode = 'armed_away' | 'armed_home' | 'disarmed';

/** panelCondPost's `mode` on the first XT1 (lupupy's MODE_TRANSLATION_XT1). */
const modeNumbers: Readonly<Record<PanelMode, number>> = { armed_away: 0, armed_home: 1, disarmed: 2 };
/** panelCondGet's `updates.mode_st` on the first XT1 (lupupy's MODE_AWAY, MODE_HOME, MODE_DISARMED). */
const modeTexts: Readonly<Record<string, PanelMode>> = { Arm: 'armed_away', Home: 'armed_home', Disarm: 'disarmed' };

/** The panel answers a few hundred bytes; more is no answer of an XT1. */
const maxAnswerBytes = 64 * 1024;

/**
 * Why a request to the panel did not do what was asked: `auth` the user or password was refused (401), `refused`
 * the panel answered but did not take the command, `unsupported` not a first XT1, `unreachable` no connection,
 * `timeout` no answer in time, `unreadable` an answer that is none of the XT1's.
 */
export type PanelFailure = 'auth' | 'refused' | 'unsupported' | 'unreachable' | 'timeout' | 'unreadable';

export class PanelRequestFailed extends Error {
  readonly failure: PanelFailure;
  constructor(failure: PanelFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PanelRequestFailed';
    this.failure = failure;
  }
}

export interface Xt1WebSettings {
  /** `http(s)://host[:port]`, without credentials. */
  url: string;
  username: string;
  password: string;
  /** Each request's own limit. */
  timeoutMs: number;
}

export class Xt1Web {
  readonly #base: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor({ url, username, password, timeoutMs }: Xt1WebSettings) {
    this.#base = url.replace(/\/+$/, '');
    this.#authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether the panel is a first XT1: it serves its model picture (lupupy asks without credentials). */
  async isXt1(signal: AbortSignal): Promise<boolean> {
    const { status } = await this.#request('GET', '/images/model.gif', { signal, authorized: false });
    return status === 200;
  }

  /** lupupy logs in once before it asks anything else; the answer says nothing it uses. */
  async login(signal: AbortSignal): Promise<void> {
    await this.#action('POST', 'login', signal, '');
  }

  /** Asks the panel to change its mode; throws `refused` when it answers that it did not. */
  async setMode(mode: PanelMode, signal: AbortSignal): Promise<void> {
    const answer = await this.#action('POST', 'panelCondPost', signal, new URLSearchParams({ mode: String(modeNumbers[mode]) }).toString());
    const result = field(answer, 'result');
    if (result !== '1') {
      const message = field(answer, 'message');
      throw new PanelRequestFailed('refused', `the panel did not take the command${message ? ` (${message.slice(0, 80)})` : ''}`);
    }
  }

  /** The panel's mode now; undefined for one the bridge cannot put it in (an alarm, a text it does not know). */
  async mode(signal: AbortSignal): Promise<PanelMode | undefined> {
    const answer = await this.#action('GET', 'panelCondGet', signal);
    const updates = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>).updates : undefined;
    const text = field(updates, 'mode_st');
    if (text === undefined) throw new PanelRequestFailed('unreadable', 'the panel told no mode (no updates.mode_st)');
    return modeTexts[text];
  }

  async #action(method: 'GET' | 'POST', action: string, signal: AbortSignal, body?: string): Promise<unknown> {
    const { status, text } = await this.#request(method, `/action/${action}`, { signal, authorized: true, body });
    if (status === 401 || status === 403)
      throw new PanelRequestFailed('auth', `the panel refused the user name or password (HTTP ${status})`);
    if (status !== 200) throw new PanelRequestFailed('unreadable', `the panel answered ${action} with HTTP ${status}`);
    return decodeAnswer(action, text);
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    { signal, authorized, body }: { signal: AbortSignal; authorized: boolean; body?: string | undefined },
  ): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          ...(authorized ? { Authorization: this.#authorization } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
      return { status: response.status, text: await boundedText(response) };
    } catch (error) {
      if (error instanceof PanelRequestFailed) throw error;
      if (timeout.aborted) throw new PanelRequestFailed('timeout', `the panel did not answer within ${this.#timeoutMs / 1000} s`);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new PanelRequestFailed('timeout', 'given up');
      // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, EHOSTUNREACH), without the credentials.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new PanelRequestFailed('unreachable', `the panel is not reachable (${cause?.code ?? cause?.message ?? 'no connection'})`, {
        cause: error,
      });
    }
  }
}

async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of response.body) {
    bytes += chunk.byteLength;
    if (bytes > maxAnswerBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new PanelRequestFailed('unreadable', `the panel answered more than ${maxAnswerBytes / 1024} KB`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The XT1 wraps its answers as Prototype.js's "secure JSON" (`/*-secure-` on a line of its own, the value, then
 * `*\/`) and writes tabs in them; lupupy drops the first line and the last two characters, takes the tabs out and
 * reads the rest as YAML with every value a string (its BaseLoader). The same here, with YAML's failsafe schema.
 */
export function decodeAnswer(action: string, text: string): unknown {
  const withoutTabs = text.replace(/\t/g, ' ');
  const wrapped = /^\s*\/\*[^\n]*\n([\s\S]*?)\*\/\s*$/.exec(withoutTabs);
  try {
    return parseYaml(wrapped?.[1] ?? withoutTabs, { schema: 'failsafe' });
  } catch (error) {
    throw new PanelRequestFailed('unreadable', `the panel's answer to ${action} is not readable`, { cause: error });
  }
}

/** A field of an answer as text (YAML's failsafe schema makes every scalar a string). */
function field(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === 'string' ? found.trim() : undefined;
}
