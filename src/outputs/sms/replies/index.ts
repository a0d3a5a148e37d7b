// Hears replies to the alarm SMS while an incident is open: looks at Twilio's log of messages to our number every
// `pollMs` (backing off while Twilio cannot be read), takes only messages after the incident opened (Twilio filters
// by whole GMT days), each once (their SIDs remembered, boundedly), and tells each as a `reply` with the events whose
// SMS or call went to that number. No incident open: no look at all.
import type { BusEvents, IncidentFacts } from '../../../core/bus.js';
import { maskNumber, maskNumbersIn } from '../../../core/mask.js';
import type { Logger } from '../../../log.js';
import { WakeSignal } from '../../../wake-signal.js';
import type { InboundMessage } from './twilio-inbox.js';

/** SIDs remembered: more than a look returns (`maxListed`), so a message is told once while an incident lasts. */
export const rememberedReplies = 1000;
/** A reply's text as told: an acknowledgement is a word, not a letter. */
export const maxReplyCharacters = 160;
/**
 * An incident nobody acknowledges is watched for replies this long after it opened, then no longer: the bridge must
 * not read Twilio's log every 15 s for months because nobody pressed a button.
 */
const watchForMs = 24 * 3600_000;
/** Jobs of an incident's events may be stored a little before the incident opens (they come from the same event). */
const leadMs = 10 * 60_000;

export interface ReplySettings {
  /** Our Twilio number (E.164): replies are messages to it. */
  ourNumber: string;
  /** Between looks while an incident is open (~15 s). */
  pollMs: number;
  /** The longest wait after failed looks. */
  maxBackoffMs: number;
}

export interface ReplyDependencies {
  inbox: { inbound(to: string, sinceDay: string): Promise<InboundMessage[]> };
  /** SMS and calls to this number stored since then, pending or finished: their events and when they were stored. */
  sentTo(number: string, sinceMs: number): Promise<{ eventId: string; createdAt: number }[]>;
  onReply(reply: BusEvents['reply']): void;
  log: Logger;
  now: () => number;
}

export class ReplyWatcher {
  readonly #settings: ReplySettings;
  readonly #deps: ReplyDependencies;
  /** Open incidents by id: when each opened and its events. */
  readonly #open = new Map<string, { openedAt: number; eventIds: readonly string[] }>();
  readonly #seen = new Set<string>();
  /** Wakes the loop from its wait; one per run, so a wake-up meant for an ended run cannot cut the next one's wait. */
  #signal = new WakeSignal();
  #started = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #failures = 0;

  constructor(settings: ReplySettings, deps: ReplyDependencies) {
    this.#settings = settings;
    this.#deps = deps;
  }

  /** An incident as the bus tells it: open ones are watched for, acknowledged ones no longer. */
  incident({ id, state, openedAt, eventIds }: IncidentFacts): void {
    if (state === 'open') this.#open.set(id, { openedAt: Date.parse(openedAt), eventIds });
    else this.#open.delete(id);
    // The last one acknowledged: the loop ends now rather than after its wait.
    if (this.#open.size === 0) this.#signal.wake();
    else this.#run();
  }

  start(): void {
    this.#started = true;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signal.wake();
    await this.#loop;
  }

  /** Open incidents opened within the last day. */
  #watched(): { openedAt: number; eventIds: readonly string[] }[] {
    const since = this.#deps.now() - watchForMs;
    return [...this.#open.values()].filter((incident) => incident.openedAt >= since);
  }

  /** Looks while an incident is open (for a day at most); ends when none is, to start again with the next one. */
  #run(): void {
    if (!this.#started || this.#stopped || this.#loop || this.#watched().length === 0) return;
    this.#signal = new WakeSignal();
    this.#loop = (async () => {
      while (!this.#stopped && this.#watched().length > 0) {
        // A look that fails for any other reason (the outbox's record of sent messages unreadable) is a failed look
        // too: backed off and logged, never an unhandled rejection that ends the bridge.
        await this.#look().catch((error: unknown) => {
          this.#failures += 1;
          this.#deps.log[this.#failures === 1 ? 'error' : 'debug']({ err: error }, 'cannot match replies to the SMS sent');
        });
        if (this.#stopped || this.#watched().length === 0) break;
        const backoff = this.#settings.pollMs * 2 ** Math.min(this.#failures, 10);
        await this.#signal.sleep(Math.min(this.#settings.maxBackoffMs, backoff));
      }
    })().finally(() => {
      this.#loop = undefined;
      this.#run();
    });
  }

  async #look(): Promise<void> {
    const { inbox, log } = this.#deps;
    const incidents = this.#watched();
    const since = Math.min(...incidents.map((incident) => incident.openedAt));
    let messages: InboundMessage[];
    try {
      messages = await inbox.inbound(this.#settings.ourNumber, new Date(since).toISOString().slice(0, 10));
    } catch (error) {
      this.#failures += 1;
      // Once per outage at warn: the next look comes anyway, later each time.
      log[this.#failures === 1 ? 'warn' : 'debug'](
        { err: error, failures: this.#failures },
        'cannot read replies from Twilio, will look again',
      );
      return;
    }
    if (this.#failures > 0) log.info({ failures: this.#failures }, 'reading replies from Twilio again');
    this.#failures = 0;
    const incidentEvents = new Set(incidents.flatMap((incident) => incident.eventIds));
    for (const message of [...messages].reverse()) {
      if (this.#seen.has(message.sid)) continue;
      // Twilio gives the time in whole seconds (RFC 2822): a reply within the second the incident opened counts.
      const time = message.sentAt.getTime();
      if (!(time >= Math.floor(since / 1000) * 1000)) {
        this.#remember(message.sid);
        continue;
      }
      // Remembered only once told: a look that fails here (the sent messages unreadable) hears it again next time.
      const sent = await this.#deps.sentTo(message.from, since - leadMs);
      const answered = (job: { eventId: string; createdAt: number }) =>
        incidentEvents.has(job.eventId) || (job.createdAt >= since && job.createdAt < time + 1000);
      const eventIds = [...new Set(sent.filter(answered).map((job) => job.eventId))];
      // Facts on the bus may be shown anywhere: a number written in the reply is masked like any other.
      const text = maskNumbersIn([...message.body.trim()].slice(0, maxReplyCharacters).join(''));
      const from = maskNumber(message.from);
      log.info({ from, eventIds, text }, 'reply to an SMS');
      this.#remember(message.sid);
      this.#deps.onReply({ output: 'sms', from, text, time: message.sentAt.toISOString(), eventIds });
    }
  }

  #remember(sid: string): void {
    this.#seen.add(sid);
    for (const oldest of this.#seen) {
      if (this.#seen.size <= rememberedReplies) break;
      this.#seen.delete(oldest);
    }
  }
}
