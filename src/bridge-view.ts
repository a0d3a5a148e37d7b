// The bridge as features see it beyond the bus (features/module.ts, BridgeView): built by main from the parts it
// started, so a feature reaches the spool, the parser or the alarm state only through these few questions.

import type { EntityView } from './core/entities.js';
import type { ImageStore } from './core/images.js';
import { oneLine } from './errors.js';
import type { BridgeView } from './features/module.js';
import type { AlarmStateStore } from './pipeline/alarm-state.js';
import { testRecord } from './pipeline/kinds/test.js';
import type { MailToTry, TriedMail } from './pipeline/try-mail.js';
import type { CameraConfig } from './sources/camera/identity.js';
import type { Spool, SpoolRecord } from './spool/spool.js';

export interface BridgeViewParts {
  version: string;
  startedAt: number;
  outputs: readonly string[];
  alarmState: AlarmStateStore;
  spool: Spool;
  /** Hands a record just stored to the processor (its enqueue). */
  enqueue: (id: string, record: SpoolRecord | undefined) => void;
  tryMail: (mail: MailToTry) => Promise<TriedMail>;
  images: ImageStore | undefined;
  mask: (text: string) => string;
  /** The user's `cameras:` list. */
  cameras: readonly CameraConfig[];
  entities: EntityView;
  now?: () => number;
}

export function bridgeView({
  version,
  startedAt,
  outputs,
  alarmState,
  spool,
  enqueue,
  tryMail,
  images,
  mask,
  cameras,
  entities,
  now = Date.now,
}: BridgeViewParts): BridgeView {
  return {
    version,
    startedAt,
    outputs,
    alarmState: () => ({ state: alarmState.current, since: alarmState.since }),
    spoolProblem: () =>
      spool.probe().then(
        () => undefined,
        (error: unknown) => `the spool cannot store mails: ${oneLine(error)}`,
      ),
    quarantined: () => spool.quarantined.list(),
    async retryQuarantined(id) {
      const requeued = await spool.requeue(id);
      if (!requeued) return undefined;
      enqueue(requeued.id, requeued.record);
      return requeued.id;
    },
    tryMail,
    async submitTest({ deliver }) {
      const draft = await spool.write(testRecord(new Date(now()), deliver));
      const { id, record } = await draft.commit();
      enqueue(id, record);
      return id;
    },
    images,
    mask,
    cameras: cameras.map(({ id, name, silent_after: silentAfterMs }) => ({ id, name, silentAfterMs })),
    entities: () => entities.all(),
  };
}
