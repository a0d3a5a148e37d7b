// Arming and disarming the panel from Home Assistant (feature.ts), through the XT1's web interface (xt1-web.ts);
// settings in config.ts. Without a url every arm or disarm request is answered `refused`, as the XT1 takes none by mail.
import { featureModule } from '../module.js';
import { panelControlSection } from './config.js';
import { defaultTuning, PanelControl } from './feature.js';
import { Xt1Web } from './xt1-web.js';

export const panelControlModule = featureModule({
  name: 'panel_control',
  schema: panelControlSection.prefault({}),
  secrets: ['password', 'code'],
  environment: { ALARM_MAIL_BRIDGE_PANEL_CONTROL_PASSWORD: ['password'] },
  create: (settings, context) => {
    const web = settings.url === '' ? undefined : new Xt1Web({ ...settings, timeoutMs: defaultTuning.requestTimeoutMs });
    return new PanelControl({ web, code: settings.code, tuning: defaultTuning }, context);
  },
});
