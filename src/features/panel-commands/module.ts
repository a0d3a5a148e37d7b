// Arm and disarm requests for the panel from Home Assistant. The XT1 takes no commands by mail, so each one is
// answered `refused` with the reason, which Home Assistant shows; panel control later answers them here instead.
import { panelAlarmEntity } from '../../core/entities.js';
import { featureModule } from '../module.js';

/** Shown in Home Assistant's "Last command" and in the log. */
export const panelCommandRefusal = 'the XT1 cannot be armed or disarmed by mail';

export const panelCommandsModule = featureModule({
  name: 'panel_commands',
  create: (_settings, { bus, log }) => ({
    start() {
      bus.on('command', ({ commandId, entity, command }) => {
        if (entity !== panelAlarmEntity) return;
        // The command is one of Home Assistant's alarm panel payloads (the MQTT output checks it), so it may be logged.
        log.warn({ command }, `${panelCommandRefusal}: command refused`);
        bus.emit('commandResult', { commandId, entity, command, result: 'refused', reason: panelCommandRefusal });
      });
    },
    stop() {},
  }),
});
