// The status page, metrics and health check as a feature: it watches the bus and answers HTTP, never on a mail's
// path. With `port: 0` nothing of it is loaded.
import { featureModule } from '../module.js';
import { httpSection } from './config.js';

export const httpModule = featureModule({
  name: 'http',
  schema: httpSection.prefault({}),
  async create(settings, context) {
    if (settings.port === 0) return { start() {}, stop() {} };
    const { StatusPage } = await import('./status-page.js');
    return new StatusPage(settings, context);
  },
});
