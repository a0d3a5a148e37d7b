// Who holds the intake's connection slots, and who gives way when they run short. Pure: the clock is injected and
// what an SMTP session is doing is asked through a probe, so the rules are tested without sockets.
//
// A few silent or NOOP-ing connections must not lock the panel out until they time out (as Postfix's postscreen
// and its "stress" mode see to): a newcomer takes the slot of the connection that has gone longest without
// progress, and if every connection is in a mail transaction, of one whose transaction has stalled; a connection
// that has not said HELO/EHLO soon, or that makes no progress while the slots run short, is closed early.
// Progress is a step towards a mail (AUTH, MAIL FROM, an accepted RCPT, DATA) or message bytes at a minimum rate,
// never NOOP, RSET, HELO or a byte now and then: those keep a socket alive but bring no mail closer.

export interface SlotLimits {
  /** Connections at once (`smtp.max_clients`). */
  maxClients: number;
  /** Connections at once from one address (`smtp.max_clients_per_address`); past it a newcomer is refused. */
  maxClientsPerAddress: number;
  /** How long a connection may go without saying HELO/EHLO. */
  greetingTimeoutMs: number;
  /** Under stress: how long a connection outside a mail transaction may go without progress. */
  stressIdleTimeoutMs: number;
  /** The share of `maxClients` in use from which the slots are under stress, e.g. 0.8. */
  stressShare: number;
  /**
   * When every slot is taken: how long a mail transaction may go without progress before it gives way to a
   * newcomer. A real client moves in round trips of milliseconds.
   */
  transactionStallMs: number;
  /** During DATA, message bytes per second that count as progress: each byte buys `1 / minDataRate` s of it. */
  minDataRate: number;
}

/** What the SMTP session of a connection is doing, asked when a rule needs it. */
export interface ConnectionState {
  /** It said HELO or EHLO. */
  greeted: boolean;
  /** A MAIL FROM was accepted and its transaction (RCPT, DATA, the reply) is not over. */
  inTransaction: boolean;
  /** Message bytes received so far in DATA; 0 outside DATA. */
  dataBytes: number;
  /** The whole message is in and the bridge is storing it: the client waits for our reply, not we for it. */
  messageComplete: boolean;
}

export type Admission =
  /** `evicted`: the connection that gave way, to be closed now; its slot is already free. */
  | { admitted: true; evicted?: string }
  | { admitted: false; reason: 'address' | 'full' };

export type Expiry = { id: string; reason: 'greeting' | 'stress' };

interface Slot {
  address: string;
  connectedAt: number;
  /**
   * Connect, or the last step towards a mail: AUTH, MAIL FROM, an accepted RCPT, DATA, moved on by the message
   * bytes received since (see #look). NOOP, RSET, HELO do not count.
   */
  lastProgressAt: number;
  /** The message bytes already turned into progress. */
  creditedBytes: number;
  state: () => ConnectionState;
}

export class Slots {
  readonly #limits: SlotLimits;
  readonly #now: () => number;
  /** In order of admission, which breaks ties in favour of the newer connection. */
  readonly #held = new Map<string, Slot>();
  readonly #perAddress = new Map<string, number>();

  constructor(limits: SlotLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  get size(): number {
    return this.#held.size;
  }

  /** True while so many slots are held that idling costs others their turn. */
  get stressed(): boolean {
    return this.#held.size >= Math.ceil(this.#limits.maxClients * this.#limits.stressShare);
  }

  /** Connections from `address` holding a slot. */
  heldBy(address: string): number {
    return this.#perAddress.get(address) ?? 0;
  }

  /**
   * A new connection asks for a slot. The per-address limit refuses outright (a host cannot push out its own
   * connections to hold more than its share); when all slots are held, one connection that makes no progress
   * gives way (see #whoGivesWay).
   */
  admit(id: string, address: string, state: () => ConnectionState): Admission {
    if (this.heldBy(address) >= this.#limits.maxClientsPerAddress) return { admitted: false, reason: 'address' };
    let evicted: string | undefined;
    if (this.#held.size >= this.#limits.maxClients) {
      evicted = this.#whoGivesWay();
      if (evicted === undefined) return { admitted: false, reason: 'full' };
      this.release(evicted);
    }
    const now = this.#now();
    this.#held.set(id, { address, connectedAt: now, lastProgressAt: now, creditedBytes: 0, state });
    this.#perAddress.set(address, this.heldBy(address) + 1);
    return evicted === undefined ? { admitted: true } : { admitted: true, evicted };
  }

  /** The connection took a step towards a mail (no message bytes are in yet: DATA counts them from 0). */
  progress(id: string): void {
    const slot = this.#held.get(id);
    if (!slot) return;
    slot.lastProgressAt = this.#now();
    slot.creditedBytes = 0;
  }

  /** The connection closed or is being closed; false when it held no slot (refused, or released before). */
  release(id: string): boolean {
    const slot = this.#held.get(id);
    if (!slot) return false;
    this.#held.delete(id);
    const left = this.heldBy(slot.address) - 1;
    if (left > 0) this.#perAddress.set(slot.address, left);
    else this.#perAddress.delete(slot.address);
    return true;
  }

  /**
   * The connections to close now, their slots already released: those that have not said HELO/EHLO in time, and,
   * while under stress, those that have gone too long without progress (in a mail transaction or not, but never
   * one whose message is all in), longest first and only until the stress is over. Called every second, which
   * also keeps the credit for message bytes current.
   */
  expired(): Expiry[] {
    const now = this.#now();
    const expired: Expiry[] = [];
    const states = new Map<string, ConnectionState>();
    for (const [id, slot] of this.#held) {
      const state = this.#look(slot);
      states.set(id, state);
      if (!state.greeted && now - slot.connectedAt >= this.#limits.greetingTimeoutMs) expired.push({ id, reason: 'greeting' });
    }
    for (const { id } of expired) this.release(id);
    const idle = [...this.#held]
      .filter(([id, slot]) => now - slot.lastProgressAt >= this.#limits.stressIdleTimeoutMs && !states.get(id)?.messageComplete)
      .sort(([, a], [, b]) => a.lastProgressAt - b.lastProgressAt);
    for (const [id] of idle) {
      if (!this.stressed) break;
      this.release(id);
      expired.push({ id, reason: 'stress' });
    }
    return expired;
  }

  /**
   * A connection not in a mail transaction if there is one, else one whose transaction has stalled (no progress
   * for `transactionStallMs`, its message not all in); a transaction that moves never gives way. Among those: one
   * from the address that holds the most slots (a flood comes from few hosts, the panel holds one or two), then
   * one that has not said HELO/EHLO, then the one longest without progress. So a flood that keeps opening
   * connections pushes out its own, not the panel between EHLO and MAIL FROM.
   */
  #whoGivesWay(): string | undefined {
    const now = this.#now();
    let chosen: { id: string; rank: number[] } | undefined;
    for (const [id, slot] of this.#held) {
      const state = this.#look(slot);
      const stalled = !state.messageComplete && now - slot.lastProgressAt >= this.#limits.transactionStallMs;
      if (state.inTransaction && !stalled) continue;
      const rank = [state.inTransaction ? 1 : 0, -this.heldBy(slot.address), state.greeted ? 1 : 0, slot.lastProgressAt];
      if (!chosen || isBefore(rank, chosen.rank)) chosen = { id, rank };
    }
    return chosen?.id;
  }

  /**
   * Asks what the connection is doing and turns the message bytes received since the last look into progress:
   * each byte moves its last progress on by `1 / minDataRate` s, up to now, as Postfix's smtpd_min_data_rate
   * extends its DATA deadline. A client below the rate falls behind, one byte now and then buys milliseconds.
   */
  #look(slot: Slot): ConnectionState {
    const state = slot.state();
    const fresh = state.dataBytes - slot.creditedBytes;
    if (fresh > 0) {
      slot.creditedBytes = state.dataBytes;
      slot.lastProgressAt = Math.min(this.#now(), slot.lastProgressAt + (fresh * 1000) / this.#limits.minDataRate);
    }
    return state;
  }
}

function isBefore(a: readonly number[], b: readonly number[]): boolean {
  for (const [index, value] of a.entries()) {
    const other = b[index] ?? 0;
    if (value !== other) return value < other;
  }
  return false;
}
