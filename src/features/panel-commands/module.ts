// Arm and disarm requests for the panel from Home Assistant. The XT1 takes no commands by mail, so each one is
// answered `refused` with the reason, which Home Assistant shows; panel control later answers them here instead.
import { panelAlarmEntity } from '../../core/entities.js';
import { featureModule } from '../module.js';

/** Shown in Home Assistant's "Last command" and in the log. */
export const panelCommandRefusal = 'the XT1 cannot be armed or disarmed by mail';

/** Anyone on the broker may send commands: a warning at most this often, the rest at debug. */
const warnEveryMs = 60_000;

export const panelCommandsModule = featureModule({
  name: 'panel_commands',
  create: (_settings, { bus, log, now }) => ({
    start() {
      let warnedAt = -Infinity;
      bus.on('command', ({ commandId, entity, command }) => {
        if (entity !== panelAlarmEntity) return;
        // The command is one of Home Assistant's alarm panel payloads (the MQTT output checks it), so it may be logged.
        const level = now() - warnedAt >= warnEveryMs ? 'warn' : 'debug';
        if (level === 'warn') warnedAt = now();
        log[level]({ command }, `${panelCommandRefusal}: command refused`);
        bus.emit('commandResult', { commandId, entity, command, result: 'refused', reason: panelCommandRefusal });
      });
    },
    stop() {},
  }),
});
