// Alarm incidents, their acknowledgement and escalation as a feature (feature.ts); settings in config.ts.
import { featureModule } from '../module.js';
import { incidentsFromAddonOptions, incidentsSection } from './config.js';
import { Incidents } from './feature.js';

export const incidentsModule = featureModule({
  name: 'incidents',
  schema: incidentsSection.prefault({}),
  // The levels' numbers and chats: in the configuration's debug line and any text quoting them, the last four only.
  identifiers: ['escalation[*].sms[*]', 'escalation[*].telegram[*]', 'escalation[*].call[*]'],
  fromAddonOptions: incidentsFromAddonOptions,
  create: (settings, context) => new Incidents(settings, context),
});
