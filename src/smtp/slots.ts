// Who holds the intake's connection slots, and who gives way when they run short. Pure: the clock is injected and
// what an SMTP session is doing is asked through a probe, so the rules are tested without sockets.
//
// A few silent or NOOP-ing connections must not lock the panel out until they time out (as Postfix's postscreen
// and its "stress" mode see to): a newcomer takes the slot of the connection that has gone longest without
// progress, and if every connection is in a mail transaction, of one whose transaction has stalled; a connection
// that has not said HELO/EHLO soon, or that makes no progress while the slots run short, is closed early.
// Progress is what brings a mail closer, and only once per mail: the first AUTH of a connection, the first MAIL
// FROM, accepted RCPT and DATA since the last mail it completed, message bytes at a LAN rate, and the completed
// mail itself. NOOP, RSET, HELO, VRFY, a refused RCPT, a MAIL FROM or RCPT again after RSET, and a byte now and then
// keep a socket alive but bring no mail closer, so a loop of them cannot hold a slot.

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
  /**
   * During DATA, the message bytes per second a sender must average to keep its place: each byte buys
   * `1 / minDataRate` s of progress, banked ahead, so a burst covers a later pause.
   */
  minDataRate: number;
  /** Message bytes that buy progress per mail (`smtp.max_message_kb`): bytes past it are refused anyway. */
  maxMessageBytes: number;
}

/** A step towards a mail; each counts once per mail, AUTH once per connection (smtp-server allows one identity). */
export type Step = 'auth' | 'mail' | 'rcpt' | 'data';

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
  { admitted: true; evicted?: string } | { admitted: false; reason: 'address' | 'full' };

export type Expiry = { id: string; reason: 'greeting' | 'stress' };

interface Slot {
  address: string;
  connectedAt: number;
  /**
   * Connect, the last step that counted or the last mail completed, moved on by the message bytes received since
   * (see #look); ahead of now while a fast sender has banked credit.
   */
  lastProgressAt: number;
  /** The steps that counted since the last mail completed (AUTH: since connect). */
  steps: Set<Step>;
  /** Bytes of the current message stream already looked at. */
  streamBytesSeen: number;
  /** Message bytes turned into progress since the last mail completed, at most `maxMessageBytes`. */
  creditedBytes: number;
  /** When its last mail was accepted. */
  completedAt: number;
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
    this.#held.set(id, {
      address,
      connectedAt: now,
      lastProgressAt: now,
      steps: new Set(),
      streamBytesSeen: 0,
      creditedBytes: 0,
      completedAt: -Infinity,
      state,
    });
    this.#perAddress.set(address, this.heldBy(address) + 1);
    return evicted === undefined ? { admitted: true } : { admitted: true, evicted };
  }

  /**
   * The connection took a step towards a mail. It counts as progress only the first time since the last mail
   * completed: a RSET and a new MAIL FROM and RCPT bring no mail closer. DATA starts a new message stream,
   * whose bytes are counted from 0 either way.
   */
  step(id: string, step: Step): void {
    const slot = this.#held.get(id);
    if (!slot) return;
    if (step === 'data') slot.streamBytesSeen = 0;
    if (slot.steps.has(step)) return;
    slot.steps.add(step);
    slot.lastProgressAt = Math.max(slot.lastProgressAt, this.#now());
  }

  /**
   * The connection's mail was accepted: progress, and the next mail's steps and bytes count again, so a relay
   * that sends mail after mail keeps its slot. Credit banked by the bytes of this mail ends with it.
   */
  completed(id: string): void {
    const slot = this.#held.get(id);
    if (!slot) return;
    this.#look(slot); // its stream stays readable until the reply: its bytes must not count for the next mail
    slot.lastProgressAt = slot.completedAt = this.#now();
    slot.steps = new Set(slot.steps.has('auth') ? ['auth'] : []);
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
   * one whose message is all in), longest first and only until the stress is over. Called every second.
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
   * for `transactionStallMs`, its message not all in); a transaction that moves never gives way, nor a connection
   * that completed a mail within that time (a relay between two mails). As each step counts once per mail, a
   * transaction that never completes one has at most a few of these periods, plus what its bytes buy. Among those: one
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
      if (!state.inTransaction && now - slot.completedAt < this.#limits.transactionStallMs) continue;
      const rank = [state.inTransaction ? 1 : 0, -this.heldBy(slot.address), state.greeted ? 1 : 0, slot.lastProgressAt];
      if (!chosen || isBefore(rank, chosen.rank)) chosen = { id, rank };
    }
    return chosen?.id;
  }

  /**
   * Asks what the connection is doing and turns the message bytes received since the last look into progress:
   * each byte moves its last progress on by `1 / minDataRate` s, as Postfix's smtpd_min_data_rate extends its DATA
   * deadline, but at a LAN rate and banked (not capped at now), so the result does not depend on how often the
   * slots look and a camera's fast burst covers a WiFi pause. A sender below the rate falls behind; holding a slot
   * costs at least that rate, and at most `maxMessageBytes` per mail count, so it ends with the message's size.
   */
  #look(slot: Slot): ConnectionState {
    const state = slot.state();
    const fresh = state.dataBytes - slot.streamBytesSeen;
    if (fresh > 0) {
      slot.streamBytesSeen = state.dataBytes;
      const credited = Math.min(fresh, this.#limits.maxMessageBytes - slot.creditedBytes);
      slot.creditedBytes += credited;
      slot.lastProgressAt += (credited * 1000) / this.#limits.minDataRate;
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
