// Commands for the panel from Home Assistant (arm, disarm) arrive as bus commands. The XT1 takes no commands by
// mail, so today they are only logged; panel control or alarm acknowledgement later subscribes here instead.
import type { Bus } from '../core/bus.js';
import type { Logger } from '../log.js';

/** Longest piece of a command shown in the log: the payload comes from the broker, not from us. */
const shownLength = 40;

export function watchPanelCommands(bus: Bus, log: Logger): () => void {
  return bus.on('command', ({ target, command }) => {
    if (target !== 'panel') return;
    log.warn({ command: command.slice(0, shownLength) }, 'the XT1 cannot be armed or disarmed by mail: command ignored');
  });
}
