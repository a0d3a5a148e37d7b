// Which recipient addresses mean what, as the configuration says: the route table of the intake and the pipeline,
// also used by `send-test` to read its mail as the bridge will.
import { localPartOf, type RouteTable } from '../core/route.js';
import type { Config } from './schema.js';

/** Lower-case local parts of each kind; the camera addresses are `smtp.camera_recipients` and the cameras' match_recipient. */
export function routesOf(config: Config): Required<RouteTable> {
  const camera = [
    ...config.smtp.camera_recipients,
    ...config.cameras.flatMap((entry) => (entry.match_recipient ? [localPartOf(entry.match_recipient)] : [])),
  ];
  return { alarm: config.smtp.alarm_recipients, status: config.smtp.status_recipients, camera };
}
