// Supervision as a feature: a silent panel or camera is a problem sensor in Home Assistant and a `trouble` event.
// Without any interval set (the default) nothing of it runs.
import { featureModule } from '../module.js';
import { supervisionSection } from './config.js';
import { watchedSources } from './sources.js';
import { Supervision } from './supervision.js';

export const supervisionModule = featureModule({
  name: 'supervision',
  schema: supervisionSection.prefault({}),
  create(settings, context) {
    const sources = watchedSources(settings.panel_silent_after, context.bridge.cameras, settings.contact_id_silent_after);
    if (sources.length === 0) return { start() {}, stop() {} };
    return new Supervision(sources, context);
  },
});
