// Home Assistant's commands as typed bus commands, and their results as the JSON Home Assistant shows. Pure: the
// output subscribes, emits and publishes. What arrives here comes from anyone on the broker, so only a command the
// entity takes reaches the bus, and what is echoed back is shortened.
import type { CommandResult, EntityCommand } from '../../core/bus.js';
import { type EntityView, panelAlarmCommands, panelAlarmEntity } from '../../core/entities.js';
import type { Topics } from './topics.js';

export const commandResults = ['done', 'refused'] as const;

/** Longest piece of a command's text echoed in a refusal; longest reason shown (Home Assistant keeps 255 characters of a state's attribute text anyway). */
const shownCommandLength = 40;
const shownReasonLength = 255;

export type CommandMessage = { command: EntityCommand } | { refused: CommandResult };

/** The command a message on a command topic carries, a refusal of it, or undefined for a topic that is none. */
export function commandMessage(
  topic: string,
  text: string,
  topics: Topics,
  entities: EntityView,
  commandId: string,
): CommandMessage | undefined {
  const entity = topic === topics.command ? panelAlarmEntity : entityOf(topic, topics);
  if (entity === undefined) return undefined;
  const takes: readonly string[] = entity === panelAlarmEntity ? panelAlarmCommands : (entities.get(entity)?.commands ?? []);
  const { command, code } = entity === panelAlarmEntity ? withCode(text) : { command: text.trim(), code: undefined };
  if (takes.includes(command)) return { command: { commandId, entity, command, ...(code === undefined ? {} : { payload: code }) } };
  const shown = command.slice(0, shownCommandLength);
  const known = entity === panelAlarmEntity || entities.get(entity) !== undefined;
  const shownEntity = entity.slice(0, shownCommandLength);
  return {
    refused: {
      commandId,
      entity: shownEntity,
      command: shown,
      result: 'refused',
      reason: known ? `${entity} takes no command "${shown}"` : `no entity ${shownEntity}`,
    },
  };
}

/** Longest alarm panel message read as JSON: HA's `{"action": …, "code": …}` is a few dozen characters. */
const longestCodedCommand = 512;

/**
 * The alarm panel's command and the code Home Assistant sent with it: with a code, discovery asks HA to send
 * `{"action": "ARM_AWAY", "code": "1234"}` (its `command_template`); without, the bare payload. The code is never
 * echoed: a message that is no such JSON is shown as its action only, or as `(unreadable)`.
 */
function withCode(text: string): { command: string; code: string | undefined } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { command: trimmed, code: undefined };
  if (trimmed.length > longestCodedCommand) return { command: '(too long)', code: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { command: '(unreadable)', code: undefined };
  }
  const { action, code } = (parsed ?? {}) as { action?: unknown; code?: unknown };
  if (typeof action !== 'string') return { command: '(unreadable)', code: undefined };
  return { command: action.trim(), code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined };
}

/** The retained `<prefix>/command_result` payload. */
export function commandResultPayload({ commandId, entity, command, result, reason }: CommandResult, time: string): string {
  return JSON.stringify({
    time,
    command_id: commandId,
    entity,
    command: command.slice(0, shownCommandLength),
    result,
    ...(reason === undefined ? {} : { reason: reason.slice(0, shownReasonLength) }),
  });
}

/** `<prefix>/entity/<id>/command` → `<id>`; the wildcard subscription matches one level only. */
function entityOf(topic: string, topics: Topics): string | undefined {
  const [before, after] = topics.entityCommands.split('+') as [string, string];
  if (!topic.startsWith(before) || !topic.endsWith(after)) return undefined;
  const id = topic.slice(before.length, topic.length - after.length);
  return id === '' || id.includes('/') ? undefined : id;
}

/** How long a part has to answer a command before Home Assistant is told that none did. */
export const commandAnswerMs = 10_000;
/** Commands waiting for their answer at once; past it a new one is refused at once (anyone on the broker may send). */
const maxWaiting = 100;

/**
 * Every command gets a result: one that no part answers in time (its owner never subscribed, or its handler threw and
 * the bus swallowed it) is answered `refused` here.
 */
export class CommandDeadlines {
  readonly #waiting = new Map<string, NodeJS.Timeout>();
  readonly #answer: (result: CommandResult) => void;
  readonly #ms: number;

  constructor(answer: (result: CommandResult) => void, ms = commandAnswerMs) {
    this.#answer = answer;
    this.#ms = ms;
  }

  /**
   * Before the command goes on the bus (a part may answer at once); false when too many wait already. `ms`: this
   * command's own time to answer (the panel's alarm entity takes longer).
   */
  expect({ commandId, entity, command }: EntityCommand, ms = this.#ms): boolean {
    if (this.#waiting.size >= maxWaiting) return false;
    const timer = setTimeout(() => {
      this.#waiting.delete(commandId);
      this.#answer({ commandId, entity, command, result: 'refused', reason: `no answer within ${ms / 1000} s` });
    }, ms);
    this.#waiting.set(commandId, timer.unref());
    return true;
  }

  answered(commandId: string): void {
    clearTimeout(this.#waiting.get(commandId));
    this.#waiting.delete(commandId);
  }

  close(): void {
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
  }
}
