// Events whose messages are no longer wanted (an acknowledged incident's escalation), remembered with the reason so
// that their jobs stored later (an event still on its way to the output) are suppressed as well. Bounded: the newest
// `rememberedWithdrawals` are kept, far beyond the handful an escalation withdraws.
import type { Bus } from '../../core/bus.js';
import type { Logger } from '../../log.js';

export const rememberedWithdrawals = 1000;

export class Withdrawals {
  /** Event id → reason, oldest first. */
  readonly #reasons = new Map<string, string>();

  remember(eventIds: readonly string[], reason: string): void {
    for (const eventId of eventIds) {
      this.#reasons.delete(eventId);
      this.#reasons.set(eventId, reason);
    }
    for (const oldest of this.#reasons.keys()) {
      if (this.#reasons.size <= rememberedWithdrawals) break;
      this.#reasons.delete(oldest);
    }
  }

  /** Why messages of these events are withdrawn, once every one of them is; undefined while any is wanted. */
  reasonFor(eventIds: readonly string[]): string | undefined {
    const reasons = eventIds.map((eventId) => this.#reasons.get(eventId));
    return reasons.length > 0 && reasons.every((reason) => reason !== undefined) ? reasons[0] : undefined;
  }
}

/**
 * Passes the bus's withdrawals to an output from the moment it is built (a feature may withdraw at its own start,
 * before the outputs start); returns what ends it, for the output's stop. A failure to record is logged.
 */
export function followWithdrawals(bus: Bus, output: { withdraw(eventIds: readonly string[], reason: string): Promise<void> }, log: Logger) {
  return bus.on('withdraw', ({ eventIds, reason }) => {
    output.withdraw(eventIds, reason).catch((error: unknown) => log.error({ err: error, eventIds }, 'cannot withdraw messages'));
  });
}
