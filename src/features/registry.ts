// Every feature the bridge has. A new feature is a folder beside panel-control/ and one line here: its config
// section, secrets, add-on options and environment overrides follow from its module.
import { httpModule } from './http/module.js';
import { incidentsModule } from './incidents/module.js';
import { panelControlModule } from './panel-control/module.js';
import { supervisionModule } from './supervision/module.js';

/** In the order they start (and the reverse of the order they stop). */
export const featureModules = [panelControlModule, httpModule, supervisionModule, incidentsModule] as const;
