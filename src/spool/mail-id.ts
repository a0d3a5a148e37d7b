// Mail ids: sortable in the order they are given (time, then a counter), unique across restarts (random tail).
// One generator per spool: its memory of the last id given belongs to that spool, not to the process.
import { randomBytes } from 'node:crypto';

export class MailIds {
  #lastStamp = '';
  #counter = 0;

  /**
   * e.g. `20261123T081114345Z-000000-9f3a0c1e`; file names in the spool sort in the order ids were given, also when
   * the clock is set back (a Raspberry Pi without a clock chip boots with an old time): the stamp never goes back.
   */
  next(now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:.]/g, '');
    if (stamp > this.#lastStamp) {
      this.#lastStamp = stamp;
      this.#counter = 0;
    } else {
      this.#counter += 1;
    }
    return `${this.#lastStamp}-${String(this.#counter).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  }

  /** Ids given from now on sort after `id`: the newest one in the spool at start, whatever the clock says now. */
  continueAfter(id: string): void {
    const [stamp = '', count = '0'] = id.split('-');
    if (stamp < this.#lastStamp || (stamp === this.#lastStamp && Number(count) <= this.#counter)) return;
    this.#lastStamp = stamp;
    this.#counter = Number(count);
  }
}
