// Who may hold a connection to the intake: the allowed networks, then the slots (slots.ts) with what each SMTP session
// is doing, the connections that give way and the ones closed early. What it needs of smtp-server is asked through
// the session object and a function that closes a connection by id.
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { isAllowedAddress, type Network } from '../core/networks.js';
import type { Logger } from '../log.js';
import type { Refuse } from './replies.js';
import { type SlotLimits, Slots } from './slots.js';

/** A refused address is logged at most once an hour, so a scan cannot flood the log. */
const refusalLogIntervalMs = 60 * 60 * 1000;
/** The addresses whose refusal was logged; past this many the record starts again (a scan of a whole range). */
const maxRefusalsRemembered = 10_000;

export interface GateOptions {
  allowedNetworks: readonly Network[];
  limits: SlotLimits;
  now?: (() => number) | undefined;
}

export class ConnectionGate {
  readonly #options: GateOptions;
  readonly #slots: Slots;
  readonly #log: Logger;
  readonly #refuse: Refuse;
  /** Closes a connection by its session id with a 421 (smtp-server's `send` closes after a 421). */
  readonly #close: (id: string, message: string) => void;
  /** The message stream of each connection in DATA, until the reply to it: the slots read its bytes so far. */
  readonly #messages = new Map<string, SMTPServerDataStream>();
  readonly #refusalsLogged = new Map<string, number>();
  #shortageLoggedAt = -Infinity;

  constructor(options: GateOptions, log: Logger, refuse: Refuse, close: (id: string, message: string) => void) {
    this.#options = options;
    this.#slots = new Slots(options.limits, options.now);
    this.#log = log;
    this.#refuse = refuse;
    this.#close = close;
  }

  /** A new connection: undefined when it may go on (another may have been closed to make room), else the refusal. */
  admit(session: SMTPServerSession): Error | undefined {
    const address = session.remoteAddress;
    if (!isAllowedAddress(address, this.#options.allowedNetworks)) {
      this.#logRefusal(address);
      return this.#refuse(554, `Access denied for ${address}`, address);
    }
    // The session object lives as long as the connection; its fields tell what the client has done so far.
    // The message stream ends (`writableEnded`) with the client's final dot, before the spool has the mail.
    const admission = this.#slots.admit(session.id, address, () => {
      const message = this.#messages.get(session.id);
      return {
        greeted: Boolean(session.hostNameAppearsAs),
        inTransaction: Boolean(session.envelope.mailFrom),
        dataBytes: message?.byteLength ?? 0,
        messageComplete: message?.writableEnded ?? false,
      };
    });
    if (!admission.admitted) {
      return admission.reason === 'address'
        ? this.#refuse(421, 'Too many connections from your address, try again later', address)
        : this.#refuse(421, 'Too many connected clients, try again in a moment', address);
    }
    if (admission.evicted !== undefined) {
      this.#close(admission.evicted, 'Too many connections: closing an idle one to make room');
      if (Date.now() - this.#shortageLoggedAt > refusalLogIntervalMs) {
        this.#shortageLoggedAt = Date.now();
        this.#log.warn(
          { maxClients: this.#options.limits.maxClients },
          'SMTP connections ran short: idle or stalled ones are closed to make room (logged once an hour)',
        );
      }
    }
    return undefined;
  }

  /** A step towards a mail (counted once per mail: see Slots). */
  step(id: string, step: Parameters<Slots['step']>[1]): void {
    this.#slots.step(id, step);
  }

  /** DATA began: its bytes count as progress from now on. */
  receiving(id: string, message: SMTPServerDataStream): void {
    this.#slots.step(id, 'data');
    this.#messages.set(id, message);
  }

  /** The reply to DATA is given. */
  received(id: string, stored: boolean): void {
    this.#messages.delete(id);
    if (stored) this.#slots.completed(id);
  }

  closed(id: string): void {
    this.#slots.release(id);
    this.#messages.delete(id);
  }

  /** Closes the connections that did not greet in time, or make no progress while the slots run short. */
  sweep(): void {
    for (const { id, reason } of this.#slots.expired()) {
      this.#log.debug({ reason }, 'closing an SMTP connection early');
      this.#close(
        id,
        reason === 'greeting' ? 'No HELO/EHLO in time, closing connection' : 'Idle while connections run short, closing connection',
      );
    }
  }

  #logRefusal(address: string): void {
    const last = this.#refusalsLogged.get(address) ?? 0;
    if (Date.now() - last <= refusalLogIntervalMs) return;
    if (this.#refusalsLogged.size > maxRefusalsRemembered) this.#refusalsLogged.clear();
    this.#refusalsLogged.set(address, Date.now());
    this.#log.warn({ remote: address }, 'connection refused: address outside smtp.allowed_networks (logged once an hour per address)');
  }
}
