// Works through the spool in arrival order: record → event (asked of the record's kind) → every output. It knows
// no mail: a mail and a raised event are records of a kind alike. A record is retired (or moved to quarantine)
// only once every output has delivered its event; until then a restart replays it with the same id. Outputs run
// apart, so one that is down never holds up another.

import { BackgroundTasks } from '../background-tasks.js';
import { type BacklogClock, BacklogGauge } from '../core/backlog.js';
import type { Bus } from '../core/bus.js';
import type { AlarmEvent } from '../core/event.js';
import { deepFreeze } from '../core/freeze.js';
import type { Logger } from '../log.js';
import { RecordUnreadable, type Spool, type SpoolRecord } from '../spool/spool.js';
import { WakeSignal } from '../wake-signal.js';
import type { AlarmStateStore } from './alarm-state.js';
import type { Delivery } from './delivery.js';
import { type RecordKind, type RecordOutcome, unreadableRecord } from './record-kind.js';
import { SameAlarms } from './same-alarm.js';

/** Events held in memory per output; past this the processor waits and the records wait in the spool. */
const maxBacklog = 10_000;
const retryDelayMs = 1000;
/**
 * Records turned into events ahead of the one being delivered, so the mail parser thread never waits for this
 * one. Only records handed over in memory (at most 256 KB each) go ahead; larger ones are read from disk in their turn.
 */
const parseAhead = 32;
/**
 * Bytes of records held in memory while they wait for their turn; past this a record is read back from the spool
 * in its turn, so a flood of mails of 256 KB cannot fill the memory.
 */
const maxInMemoryBytes = 16 * 1024 * 1024;
/**
 * Records waiting for their turn past which the SMTP intake holds the next mail that is not an alarm at its RCPT TO
 * (`room`): a flood is slowed to the pace the processor keeps, so an alarm mail behind it is an event within a
 * fraction of a second of its 250, instead of behind an ever longer queue. Never longer than `maxRoomWaitMs`: an output that is down (its
 * backlog full, the processor waiting) must not stop the intake, which still stores every mail.
 */
const roomMark = 64;
const maxRoomWaitMs = 2000;

export interface ProcessorDependencies {
  spool: Spool;
  /** How each kind of record becomes an event, by its name (kinds/index.ts). */
  kinds: ReadonlyMap<string, RecordKind>;
  deliveries: readonly Delivery[];
  alarmState: AlarmStateStore;
  log: Logger;
  /** Told of each event as the outputs get it, and of the spool's backlog (`backlog` of queue `spool`), for observers. */
  bus?: Bus;
  /** The clock that coalesces backlog messages; the system's by default. */
  backlogClock?: BacklogClock;
  /** How far apart a mail and a Contact ID report of one alarm may arrive (same-alarm.ts); 2 minutes by default. */
  sameAlarmWindowMs?: number;
  /** How long `room` holds the intake at most; `maxRoomWaitMs` by default. */
  roomWaitMs?: number;
}

interface Unfinished {
  /** Outputs that have not delivered the event yet. */
  waitingFor: number;
  /** Why the record could not be read: it goes to quarantine instead of being retired. */
  unparsable: string | undefined;
}

export class Processor {
  readonly #deps: ProcessorDependencies;
  readonly #queue: string[] = [];
  /** Records handed over in memory by their input, so they need not be read back from disk. */
  readonly #inMemory = new Map<string, SpoolRecord>();
  #inMemoryBytes = 0;
  /** Intake waiting for the queue to fall below the mark (`room`). */
  readonly #roomWaiters = new Set<() => void>();
  readonly #prepared = new Map<string, Promise<RecordOutcome | undefined>>();
  readonly #unfinished = new Map<string, Unfinished>();
  readonly #stopping = new AbortController();
  readonly #signal = new WakeSignal();
  readonly #finishing = new BackgroundTasks();
  #loop: Promise<void> | undefined;
  readonly #backlog: BacklogGauge | undefined;
  readonly #sameAlarms: SameAlarms;

  constructor(deps: ProcessorDependencies) {
    this.#deps = deps;
    this.#sameAlarms = new SameAlarms(deps.sameAlarmWindowMs);
    this.#backlog = deps.bus && new BacklogGauge(deps.bus, 'spool', { clock: deps.backlogClock });
  }

  /** Starts the outputs, then picks up what the spool still holds (crash recovery). */
  async start(): Promise<void> {
    for (const delivery of this.#deps.deliveries) await delivery.start((event, settled) => this.#delivered(event, delivery.name, settled));
    const pending = await this.#deps.spool.pending();
    if (pending.length > 0) this.#deps.log.info({ pending: pending.length }, 'processing records left in the spool');
    // Records raised before the start (a feature's start) are in the spool too: each once, all in id order, which is
    // the order they were stored in.
    const queue = [...new Set([...pending, ...this.#queue])].sort();
    this.#queue.splice(0, this.#queue.length, ...queue);
    this.#reportBacklog();
    this.#loop = this.#run();
  }

  /** A record its input just committed to the spool; small ones come along in memory. */
  enqueue(id: string, record?: SpoolRecord): void {
    if (record && !this.#inMemory.has(id) && this.#inMemoryBytes + record.body.length <= maxInMemoryBytes) {
      this.#inMemory.set(id, record);
      this.#inMemoryBytes += record.body.length;
    }
    this.#queue.push(id);
    this.#reportBacklog();
    this.#signal.wake();
  }

  /** Resolves once fewer records wait for their turn than the mark, or after `roomWaitMs` at most. */
  room(): Promise<void> {
    if (this.#queue.length < roomMark || this.#stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#roomWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#deps.roomWaitMs ?? maxRoomWaitMs);
      this.#roomWaiters.add(done);
    });
  }

  /** Stops taking records, then the outputs; what is not delivered stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const waiter of [...this.#roomWaiters]) waiter();
    this.#signal.wake();
    await this.#loop;
    for (const delivery of this.#deps.deliveries) await delivery.stop();
    await this.#finishing.settled();
    this.#backlog?.close();
  }

  /** Records in the spool not yet retired: waiting for their turn, or with outputs that have not delivered them. */
  #reportBacklog(): void {
    this.#backlog?.set(this.#queue.length + this.#unfinished.size);
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      const id = this.#queue[0];
      if (id === undefined || this.#deps.deliveries.some((delivery) => delivery.backlog >= maxBacklog)) {
        await this.#signal.sleep(id === undefined ? undefined : retryDelayMs);
        continue;
      }
      try {
        await this.#process(id);
        this.#queue.shift();
        this.#reportBacklog();
        if (this.#queue.length < roomMark) for (const waiter of [...this.#roomWaiters]) waiter();
      } catch (error) {
        this.#prepared.delete(id);
        this.#deps.log.error({ mailId: id, err: error }, 'cannot process spooled record, will retry');
        await this.#signal.sleep(retryDelayMs);
      }
    }
  }

  /** Reads the record and asks its kind for the event, ahead; the outcome waits in #prepared until its turn. */
  #prepare(id: string): void {
    const { spool, kinds } = this.#deps;
    const prepared = (async () => {
      if (this.#unfinished.has(id)) return undefined;
      let record: SpoolRecord | undefined;
      try {
        record = this.#inMemory.get(id) ?? (await spool.read(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // already retired
        if (error instanceof RecordUnreadable) return unreadableRecord(id, 'unknown', error.message, undefined, new Date());
        throw error;
      }
      const kind = kinds.get(record.kind);
      if (!kind)
        return unreadableRecord(
          id,
          record.kind,
          `no input of this version stores records of kind "${record.kind}"`,
          record.body,
          new Date(),
        );
      return kind.toEvent(record);
    })();
    prepared.catch(() => undefined); // a failure is reported when its turn comes
    this.#prepared.set(id, prepared);
  }

  async #process(id: string): Promise<void> {
    const { deliveries, alarmState } = this.#deps;
    // A head in memory goes to the parser at once; one read from disk first, and the others wait, so it stays first.
    const headSubmitted = this.#inMemory.has(id) || this.#prepared.has(id);
    if (!this.#prepared.has(id)) this.#prepare(id);
    if (headSubmitted)
      for (const ahead of this.#queue.slice(1, parseAhead))
        if (this.#inMemory.has(ahead) && !this.#prepared.has(ahead)) this.#prepare(ahead);
    // A parse in progress (up to its time budget) must not hold a stop up.
    const outcome = await unlessAborted(this.#prepared.get(id), this.#stopping.signal);
    if (this.#stopping.signal.aborted) return; // stopping: not delivered, the record stays in the spool
    this.#prepared.delete(id);
    this.#dropInMemory(id);
    if (!outcome || this.#unfinished.has(id)) return; // retired already, or enqueued twice and with the outputs
    const { event: classified, unparsable, notes = [] } = outcome;
    for (const note of notes) this.#deps.log[note.level]({ mailId: id, ...note.fields }, note.message);
    // Frozen: every output and every observer of the bus gets this one object, and none may change it for the others.
    // In processing order, which is arrival order: the later of one alarm's two events is the duplicate.
    const duplicateOf = this.#sameAlarms.duplicateOf(classified);
    const event = deepFreeze(
      await alarmState.resolve(duplicateOf === undefined ? classified : { ...classified, duplicate_of: duplicateOf }),
    );
    const { type, category, alarm_state: alarmStateAfter, zone, sensor, user } = event;
    this.#deps.log.info(
      { mailId: id, input: event.input, type, category, alarmState: alarmStateAfter, zone, sensor, user, duplicateOf },
      duplicateOf === undefined ? 'event' : 'event: the same alarm by another input, no second message',
    );
    // A replay after a crash gives the event only to the outputs that did not have it yet.
    const delivered = this.#deps.spool.deliveredTo(id);
    const outstanding = deliveries.filter((delivery) => !delivered.has(delivery.name));
    if (outstanding.length < deliveries.length)
      this.#deps.log.info(
        { mailId: id, skipped: deliveries.filter((delivery) => delivered.has(delivery.name)).map((delivery) => delivery.name) },
        'replayed: outputs that already had the event are skipped',
      );
    const unfinished: Unfinished = { waitingFor: outstanding.length, unparsable };
    this.#unfinished.set(id, unfinished);
    for (const delivery of outstanding) delivery.accept(event);
    this.#deps.bus?.emit('event', event);
    if (outstanding.length === 0) this.#finishRecord(event, unfinished);
  }

  #dropInMemory(id: string): void {
    const record = this.#inMemory.get(id);
    if (!record) return;
    this.#inMemory.delete(id);
    this.#inMemoryBytes -= record.body.length;
  }

  /**
   * An output has the event. With its own state about it still being written (`settled`), the delivery is recorded
   * only once that is on disk: a crash before then replays the event to this output, which sets the state again.
   */
  #delivered(event: AlarmEvent, output: string, settled: Promise<void> | undefined): void {
    if (settled === undefined) {
      this.#recordDelivered(event, output);
      return;
    }
    this.#finishing.run(
      settled.then(() => this.#recordDelivered(event, output)),
      (error) =>
        this.#deps.log.error({ mailId: event.id, err: error }, 'cannot record a delivery: the event is replayed at the next start'),
    );
  }

  #recordDelivered(event: AlarmEvent, output: string): void {
    const unfinished = this.#unfinished.get(event.id);
    if (!unfinished) return;
    this.#deps.spool.recordDelivery(event.id, output);
    if (--unfinished.waitingFor > 0) return;
    this.#finishRecord(event, unfinished);
  }

  #finishRecord(event: AlarmEvent, unfinished: Unfinished): void {
    this.#unfinished.delete(event.id);
    this.#reportBacklog();
    this.#finishing.run(this.#finish(event, unfinished), (error) =>
      this.#deps.log.error({ mailId: event.id, err: error }, 'cannot retire delivered record: it is taken up again at the next start'),
    );
  }

  async #finish(event: AlarmEvent, { unparsable }: Unfinished): Promise<void> {
    // The state this event set is on disk before its record goes: a crash before that replays it (alarm-state.ts).
    await this.#deps.alarmState.settled();
    if (unparsable === undefined) return this.#deps.spool.retire(event.id);
    await this.#deps.spool.quarantine(event.id, unparsable);
    this.#deps.log.warn(
      { mailId: event.id, input: event.input, category: event.category, reason: unparsable },
      'record could not be read: kept in quarantine, reported as unparsed',
    );
  }
}

/**
 * `work`'s result, or undefined as soon as `signal` aborts. Not `Promise.race` against a promise that settles at
 * stop: each race leaves a reaction on that promise which holds the race's result (here the event, and through
 * its substrings the mail's whole decoded text) until the process ends; 600 mails of 9 MB ran the heap out.
 * The abort listener here is removed when the work settles, so nothing of a finished mail stays attached.
 */
function unlessAborted<T>(work: Promise<T> | undefined, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work)
      .finally(() => signal.removeEventListener('abort', onAbort))
      .then(resolve, reject);
  });
}
