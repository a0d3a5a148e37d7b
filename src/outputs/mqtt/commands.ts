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
  const command = text.trim();
  if (takes.includes(command)) return { command: { commandId, entity, command } };
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
