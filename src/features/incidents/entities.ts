// The ids of the incidents feature's entities, for whoever presses its button (the status page): stable, they
// become Home Assistant's entity ids (`sensor.alarm_mail_bridge_xt1_alarm_incident`).

/** The "Alarm incident" sensor (`none`, `open`, `acknowledged`), on the panel's device. */
export const incidentEntity = 'alarm_incident';
/** The "Acknowledge alarm" button, on the panel's device. */
export const acknowledgeEntity = 'acknowledge_alarm';
