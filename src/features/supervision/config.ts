// The `supervision` section: how long the panel may stay without a mail before it counts as silent. A camera's
// interval is its `silent_after` on its entry of `cameras:` (sources/camera/identity.ts), which the feature reads
// through the bridge view: one setting per camera, where the camera is described.
import { z } from 'zod';
import { minSilentAfterMs, optionalDurationSchema } from '../../core/duration.js';

export const supervisionSection = z
  .object({
    /**
     * `"25h"`: no mail of the panel for that long is a silence; empty (the default): the panel is not supervised. In
     * milliseconds once parsed, at least a minute.
     */
    panel_silent_after: optionalDurationSchema(minSilentAfterMs),
    /**
     * `"25h"`: no Contact ID report (any, the periodic test 602 included) for that long is a silence of the Contact ID
     * path, apart from the mail path's; empty (the default): not supervised. Set it above the panel's test interval.
     */
    contact_id_silent_after: optionalDurationSchema(minSilentAfterMs),
  })
  .strict();

export type SupervisionSettings = z.output<typeof supervisionSection>;
