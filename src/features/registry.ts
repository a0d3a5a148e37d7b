// Every feature the bridge has. A new feature is a folder beside panel-commands/ and one line here: its config
// section, secrets, add-on options and environment overrides follow from its module.
import { panelCommandsModule } from './panel-commands/module.js';

/** In the order they start (and the reverse of the order they stop). */
export const featureModules = [panelCommandsModule] as const;
