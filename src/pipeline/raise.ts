// `raise`: how a part of the bridge other than an input (a feature: supervision, incidents) makes an event. The
// draft is stored in the spool as a `raised` record before it counts as raised, so it reaches every output
// through the same routing as a mail's event, survives a crash with its id and is never delivered twice.
import type { RaisedEventDraft } from '../core/event.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { raisedDraftSchema, raisedRecord } from './kinds/raised.js';

/** The draft is not an event the outputs could take (a feature's bug): nothing was stored. */
export class RaisedEventInvalid extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RaisedEventInvalid';
  }
}

export type Raise = (draft: RaisedEventDraft) => Promise<string>;

export interface RaiseDependencies {
  spool: Spool;
  /** Takes the record once it is durable (the processor's enqueue). */
  onStored: (id: string, record: SpoolRecord | undefined) => void;
  now?: () => number;
}

/**
 * Resolves with the event's id once its record is durable; rejects with RaisedEventInvalid for a draft the outputs
 * could not take, or SpoolUnavailable when the disk cannot keep it (then it was not raised, and may be raised again).
 */
export function raiser({ spool, onStored, now = Date.now }: RaiseDependencies): Raise {
  return async (draft) => {
    const checked = raisedDraftSchema.safeParse(draft);
    if (!checked.success)
      throw new RaisedEventInvalid(
        `cannot raise ${draft.source}/${draft.type}: ${checked.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
        { cause: checked.error },
      );
    const stored = await spool.write(raisedRecord(checked.data, new Date(now())));
    if (stored.oversized) {
      await stored.discard();
      throw new RaisedEventInvalid(`cannot raise ${draft.source}/${draft.type}: the draft is too large`);
    }
    const { id, record } = await stored.commit();
    onStored(id, record);
    return id;
  };
}
