// The records stored in the last minutes, by resend key (resend-key.ts), so that a client resending a mail whose 250
// it never read gets the first id back instead of a second event. In memory; the journal keeps what rebuilds it (a
// record entry carries its key and time, and each new segment opens with the keys still inside the window).
import type { RecentKey } from './journal-file.js';

export interface RecentRecord {
  id: string;
  /** True once the record is durable; false if its commit failed (it is then forgotten). */
  stored: Promise<boolean>;
}

interface Remembered extends RecentRecord {
  at: number;
  /** Known durable: only these may be written into a new segment's opening. */
  durable: boolean;
}

export class ResendWindow {
  readonly #windowMs: number;
  readonly #now: () => number;
  /** In the order they were stored, so pruning stops at the first one still inside the window. */
  readonly #byKey = new Map<string, Remembered>();

  constructor(windowMs: number, now: () => number) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** A durable record found in the journal at open; call it oldest first. */
  restore(key: string, id: string, at: number): void {
    if (this.#expired(at)) return;
    this.#byKey.delete(key);
    this.#byKey.set(key, { id, at, stored: Promise.resolve(true), durable: true });
  }

  /** The record stored under `key` within the window, if any. */
  get(key: string): RecentRecord | undefined {
    this.#prune();
    const entry = this.#byKey.get(key);
    return entry && !this.#expired(entry.at) ? entry : undefined;
  }

  /** Records a record being committed under `key`; it is forgotten again if `stored` says the commit failed. */
  add(key: string, id: string, stored: Promise<boolean>): void {
    this.#prune();
    const entry: Remembered = { id, at: this.#now(), stored, durable: false };
    this.#byKey.delete(key);
    this.#byKey.set(key, entry);
    void stored.then((ok) => {
      entry.durable = ok;
      if (!ok && this.#byKey.get(key) === entry) this.#byKey.delete(key);
    });
  }

  /** A stored record is within the window. */
  withinWindow(at: number): boolean {
    return !this.#expired(at);
  }

  /** The durable keys inside the window, for the opening of a new segment. */
  durableKeys(): RecentKey[] {
    this.#prune();
    return [...this.#byKey].filter(([, entry]) => entry.durable).map(([key, entry]) => [key, entry.id, entry.at]);
  }

  #prune(): void {
    for (const [key, entry] of this.#byKey) {
      if (!this.#expired(entry.at)) break;
      this.#byKey.delete(key);
    }
  }

  /** Either way: a clock set back (a Raspberry Pi without a clock chip) must not keep a key forever. */
  #expired(at: number): boolean {
    return Math.abs(this.#now() - at) > this.#windowMs;
  }
}
