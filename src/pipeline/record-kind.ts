// What the processor asks of a record's kind: how to turn a stored record into its one event. The processor knows
// no kind; each input brings its own (kinds/), and a record no kind can read becomes an `unparsed` event and goes
// to quarantine, as an unparsable mail always did.
import { type AlarmEvent, fallbackTypes } from '../core/event.js';
import type { SpoolRecord } from '../spool/spool.js';

/** Enough of an unreadable record for a human to see what it was, without pushing megabytes through MQTT. */
const maxUnreadableText = 4096;

export interface RecordOutcome {
  event: AlarmEvent;
  /** Why the record could not be read; it then goes to quarantine once its event is delivered. */
  unparsable?: string;
  /** What the log should say about this record beside its event (a camera's pictures not kept). */
  notes?: readonly RecordNote[];
}

export interface RecordNote {
  level: 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface RecordKind {
  /** The `kind` its input stores records under, e.g. `mail`. */
  name: string;
  /** Never throws for a record it cannot read: that is an outcome with `unparsable`. Throws only when it should be tried again. */
  toEvent(record: SpoolRecord): Promise<RecordOutcome>;
}

/**
 * The event of a record no kind can read (a header cut short, a kind this version does not know): a trouble that
 * reaches every output, so that nothing stored vanishes without a word, and the record is kept in quarantine.
 */
export function unreadableRecord(id: string, input: string, reason: string, body: Buffer | undefined, now: Date): RecordOutcome {
  const raw = body?.subarray(0, maxUnreadableText).toString('utf8') ?? '';
  const text = body && body.length > maxUnreadableText ? `${raw}…` : raw;
  return {
    event: {
      id,
      time: now.toISOString(),
      input,
      source: 'spool',
      category: 'trouble',
      type: fallbackTypes.unparsed,
      alarm_state: null,
      zone: null,
      sensor: null,
      user: null,
      text: text || reason,
    },
    unparsable: reason,
  };
}
