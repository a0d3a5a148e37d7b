// Flood protection per recipient: at most `maxPerHour` messages in any hour, and an identical text to the
// same number within a minute only once. Time comes from an injected clock.

const hourMs = 60 * 60 * 1000;
const duplicateWindowMs = 60 * 1000;

export type GateDecision = 'send' | 'duplicate' | 'hold';

export class FloodGate {
  readonly #maxPerHour: number;
  readonly #now: () => number;
  /** Per number: when each message in the last hour was sent, and with what text. */
  readonly #sent = new Map<string, { at: number; text: string }[]>();

  constructor(maxPerHour: number, now: () => number) {
    this.#maxPerHour = maxPerHour;
    this.#now = now;
  }

  decide(to: string, text: string): GateDecision {
    const recent = this.#recent(to);
    const now = this.#now();
    if (recent.some((sent) => sent.text === text && now - sent.at < duplicateWindowMs)) return 'duplicate';
    return recent.length >= this.#maxPerHour ? 'hold' : 'send';
  }

  record(to: string, text: string, at: number = this.#now()): void {
    this.#sent.set(to, [...this.#recent(to), { at, text }]);
  }

  /** When the next message to `to` may go out: now, or when the oldest one leaves the hour. */
  nextSlot(to: string): number {
    const recent = this.#recent(to);
    if (recent.length < this.#maxPerHour) return this.#now();
    return Math.min(...recent.map((sent) => sent.at)) + hourMs;
  }

  #recent(to: string): { at: number; text: string }[] {
    const since = this.#now() - hourMs;
    return (this.#sent.get(to) ?? []).filter((sent) => sent.at > since);
  }
}
