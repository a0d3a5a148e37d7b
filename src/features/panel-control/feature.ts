// Panel control: Home Assistant's arm and disarm requests for the panel, carried out through the XT1's web interface.
// A request with a wrong code is refused before anything is sent; otherwise the panel shows `arming`/`disarming`,
// the mode is sent and read back until the panel reports it, and only then is the new state shown and the command
// `done`. A refusal, a timeout or a failed login shows the state from before again and answers `refused` with the
// reason. The panel's own mail stays the source of the kept alarm state. Without a web interface configured every
// request is refused, as the XT1 takes no commands by mail.
import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BusEvents, CommandResult } from '../../core/bus.js';
import { panelAlarmEntity } from '../../core/entities.js';
import type { Feature, FeatureContext } from '../module.js';
import { type PanelMode, PanelRequestFailed, type Xt1Web } from './xt1-web.js';

/** Shown in Home Assistant's "Last command" and in the log when no web interface is configured. */
export const panelCommandRefusal = 'the XT1 cannot be armed or disarmed by mail';

export interface PanelControlTuning {
  /** Each request's own limit. */
  requestTimeoutMs: number;
  /** The whole command, from the first request until the panel reports the new mode (below the MQTT output's `panelAlarmAnswerMs`). */
  confirmWithinMs: number;
  /** Between two reads of the panel's mode while waiting for it. */
  readEveryMs: number;
}

export const defaultTuning: PanelControlTuning = { requestTimeoutMs: 10_000, confirmWithinMs: 45_000, readEveryMs: 1_000 };

/** Home Assistant's commands the XT1 can carry out, and the mode each asks for. */
const modeOfCommand: Readonly<Record<string, PanelMode>> = { ARM_AWAY: 'armed_away', ARM_HOME: 'armed_home', DISARM: 'disarmed' };

/** Anyone on the broker may send commands: a warning at most this often about commands without panel control, the rest at debug. */
const warnEveryMs = 60_000;
/** Wrong codes within a minute after which every command is refused for the rest of that minute (anyone on the broker may guess). */
const maxWrongCodes = 5;
const wrongCodeWindowMs = 60_000;

export interface PanelControlSettings {
  /** The panel's web interface; undefined: not configured. */
  web: Xt1Web | undefined;
  /** The code a command must carry; empty: none. */
  code: string;
  tuning: PanelControlTuning;
}

export class PanelControl implements Feature {
  readonly #settings: PanelControlSettings;
  readonly #context: FeatureContext;
  readonly #stopping = new AbortController();
  /** The command under way; one at a time. */
  #running: Promise<void> | undefined;
  /** When the last wrong codes came, oldest first, at most `maxWrongCodes`. */
  #wrongCodes: number[] = [];
  /** The panel answered its model picture once: it is a first XT1, not asked again. */
  #isXt1 = false;
  #warnedAt = -Infinity;

  constructor(settings: PanelControlSettings, context: FeatureContext) {
    this.#settings = settings;
    this.#context = context;
  }

  start(): void {
    const { bus, entities } = this.#context;
    if (this.#settings.web) {
      const code = this.#settings.code;
      entities.controlPanelAlarm({
        features: ['arm_home', 'arm_away'],
        code: code === '' ? 'none' : /^\d+$/.test(code) ? 'numeric' : 'text',
      });
    }
    bus.on('command', (command) => {
      if (command.entity === panelAlarmEntity) this.#onCommand(command);
    });
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new PanelRequestFailed('timeout', 'the bridge is stopping'));
    await this.#running;
  }

  #onCommand(command: BusEvents['command']): void {
    const { web } = this.#settings;
    if (!web) {
      this.#refuseUnconfigured(command);
      return;
    }
    const mode = modeOfCommand[command.command];
    const problem =
      mode === undefined
        ? `the XT1 has no ${command.command}`
        : this.#running !== undefined
          ? 'another command for the panel is under way'
          : this.#checkCode(command.payload);
    if (problem !== undefined || mode === undefined) {
      this.#refuse(command, problem ?? 'unknown command');
      return;
    }
    // Free for the next command before the answer goes out: whoever hears `done` may send the next one at once.
    this.#running = this.#carryOut(web, command, mode).then((outcome) => {
      this.#running = undefined;
      this.#answer(command, outcome);
    });
  }

  /** Why the command's code is not accepted, or undefined when it is (or none is configured). */
  #checkCode(given: string | undefined): string | undefined {
    const expected = this.#settings.code;
    if (expected === '') return undefined;
    const now = this.#context.now();
    this.#wrongCodes = this.#wrongCodes.filter((at) => now - at < wrongCodeWindowMs);
    if (this.#wrongCodes.length >= maxWrongCodes) return 'too many wrong codes: try again in a minute';
    if (given !== undefined && sameText(given.trim(), expected)) return undefined;
    this.#wrongCodes.push(now);
    return given === undefined ? 'no code given' : 'wrong code';
  }

  /** Never rejects: every way it ends is an outcome to answer. */
  async #carryOut(web: Xt1Web, command: BusEvents['command'], mode: PanelMode): Promise<Pick<CommandResult, 'result' | 'reason'>> {
    const { bus, log } = this.#context;
    const { confirmWithinMs } = this.#settings.tuning;
    bus.emit('panelCommandState', { state: mode === 'disarmed' ? 'disarming' : 'arming' });
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new PanelRequestFailed('timeout', `the panel did not report ${mode} within ${confirmWithinMs / 1000} s`)),
      confirmWithinMs,
    );
    try {
      await this.#setAndConfirm(web, mode, AbortSignal.any([this.#stopping.signal, deadline.signal]));
      bus.emit('panelCommandState', { state: mode });
      log.info({ command: command.command, state: mode }, 'panel mode set from Home Assistant and read back');
      return { result: 'done' };
    } catch (error) {
      bus.emit('panelCommandState', { state: null });
      const reason = error instanceof PanelRequestFailed ? error.message : 'the command failed';
      log.warn({ err: error, command: command.command }, `panel command refused: ${reason}`);
      return { result: 'refused', reason };
    } finally {
      clearTimeout(timer);
    }
  }

  async #setAndConfirm(web: Xt1Web, mode: PanelMode, signal: AbortSignal): Promise<void> {
    if (!this.#isXt1) {
      if (!(await web.isXt1(signal)))
        throw new PanelRequestFailed('unsupported', 'the panel is no first-generation XT1 (XT1 Plus, XT2 and XT3 are not supported)');
      this.#isXt1 = true;
    }
    await web.login(signal);
    await web.setMode(mode, signal);
    // Never the command alone: the new state is shown once the panel itself tells it.
    for (;;) {
      if ((await web.mode(signal)) === mode) return;
      try {
        await sleep(this.#settings.tuning.readEveryMs, undefined, { signal });
      } catch {
        throw signal.reason;
      }
    }
  }

  #refuseUnconfigured(command: BusEvents['command']): void {
    const { log, now } = this.#context;
    // The command is one of Home Assistant's alarm panel payloads (the MQTT output checks it), so it may be logged.
    const level = now() - this.#warnedAt >= warnEveryMs ? 'warn' : 'debug';
    if (level === 'warn') this.#warnedAt = now();
    log[level]({ command: command.command }, `${panelCommandRefusal}: command refused`);
    this.#answer(command, { result: 'refused', reason: panelCommandRefusal });
  }

  #refuse(command: BusEvents['command'], reason: string): void {
    this.#context.log.warn({ command: command.command }, `panel command refused: ${reason}`);
    this.#answer(command, { result: 'refused', reason });
  }

  #answer({ commandId, entity, command }: BusEvents['command'], outcome: Pick<CommandResult, 'result' | 'reason'>): void {
    this.#context.bus.emit('commandResult', { commandId, entity, command, ...outcome });
  }
}

/** Compared in constant time, so the time of a refusal tells nothing of how much of a guess was right. */
function sameText(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
