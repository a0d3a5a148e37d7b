// The `sms` output as the pipeline sees it: SMS to the event's numbers, voice calls to the numbers a raised event
// names in `to.call` (with Twilio configured), and the replies heard while an incident is open. One output, because
// all three use the same providers and numbers; the calls tell their progress apart (`message` facts of `call`).
import type { IncidentFacts } from '../../core/bus.js';
import type { AlarmEvent } from '../../core/event.js';
import type { Logger } from '../../log.js';
import type { DeliveryReceipt, Output } from '../output.js';
import type { VoiceCalls } from './calls/index.js';
import type { SmsOutput } from './index.js';
import type { ReplyWatcher } from './replies/index.js';

export interface PhoneParts {
  sms: SmsOutput;
  /** Absent without Twilio (or without a Twilio number to call from): call targets are then skipped. */
  calls: VoiceCalls | undefined;
  /** Absent without Twilio and its number: replies are not heard. */
  replies: ReplyWatcher | undefined;
  log: Logger;
  /** Why calls are off, said once at the first event that asks for one. */
  callsOff: string;
}

export class PhoneOutput implements Output {
  readonly name = 'sms';
  readonly #parts: PhoneParts;
  #callsOffSaid = false;

  constructor(parts: PhoneParts) {
    this.#parts = parts;
  }

  async start(): Promise<void> {
    await this.#parts.sms.start();
    await this.#parts.calls?.start();
    this.#parts.replies?.start();
  }

  /** The receipt counts the SMS; the calls are told as their own messages (output `call`). */
  async deliver(event: AlarmEvent): Promise<DeliveryReceipt> {
    const receipt = await this.#parts.sms.deliver(event);
    if ((event.to?.call?.length ?? 0) > 0) {
      const { calls, log, callsOff } = this.#parts;
      if (calls) await calls.deliver(event);
      else if (!this.#callsOffSaid) {
        this.#callsOffSaid = true;
        log.warn({ mailId: event.id, calls: event.to?.call?.length }, `voice calls are off (${callsOff}): call targets are skipped`);
      }
    }
    return receipt;
  }

  async withdraw(eventIds: readonly string[], reason: string): Promise<void> {
    await this.#parts.sms.withdraw(eventIds, reason);
    await this.#parts.calls?.withdraw(eventIds, reason);
  }

  incident(facts: IncidentFacts): void {
    this.#parts.replies?.incident(facts);
  }

  /** SMS and calls to this number stored since then: the events a reply from it answers. */
  async sentTo(number: string, sinceMs: number): Promise<{ eventId: string; createdAt: number }[]> {
    const [sms, calls] = await Promise.all([this.#parts.sms.jobsTo(number, sinceMs), this.#parts.calls?.jobsTo(number, sinceMs) ?? []]);
    return [...sms, ...calls];
  }

  async stop(): Promise<void> {
    await this.#parts.replies?.stop();
    await this.#parts.calls?.stop();
    await this.#parts.sms.stop();
  }
}
