// Every output the bridge has. A new output is a folder beside mqtt/, sms/ and telegram/ and one line here: its config
// section, secrets, add-on options, environment overrides and health entities follow from its module.
import { mqttModule } from './mqtt/module.js';
import { smsModule } from './sms/module.js';
import { telegramModule } from './telegram/module.js';

/** In the order they are fed and their sections appear; MQTT first, as today. */
export const outputModules = [mqttModule, smsModule, telegramModule] as const;
