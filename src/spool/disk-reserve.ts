// A reserve of free space under data_dir for the alarm route: below it, mail to other addresses is refused at RCPT
// (452) and the quarantine gives up its oldest mails, so that hostile or chatty senders cannot fill the disk until
// the panel's alarm gets 451. Alarm mail is taken until the disk is really full.
import { statfs as fsStatfs } from 'node:fs/promises';
import type { Logger } from '../log.js';

/** Room for two of the largest mails, and at least this much (state files, outboxes, a burst of alarms). */
const minimumReserveBytes = 20 * 1024 * 1024;
/** On a tiny disk the reserve is at most this share of it, so that normal mail still has room. */
const maxReserveShare = 1 / 4;
/** How long one reading of the free space answers RCPTs: one statfs a second at most, whatever the flood. */
const readingValidMs = 1000;

export interface FreeSpace {
  freeBytes: number;
  reserveBytes: number;
  /** Bytes missing for the reserve; 0 when there is enough. */
  shortfall: number;
}

type Statfs = (path: string) => Promise<{ bsize: number; blocks: number; bavail: number }>;

/** The reserve for a disk of `totalBytes` when mails may be `maxMessageBytes` large. */
export function reserveFor(maxMessageBytes: number, totalBytes: number): number {
  return Math.floor(Math.min(Math.max(2 * maxMessageBytes, minimumReserveBytes), totalBytes * maxReserveShare));
}

/** Reads the free space of the file system holding `path` each time it is called (what an unprivileged user may use). */
export function freeSpaceOf(path: string, maxMessageBytes: number, statfs: Statfs = fsStatfs): () => Promise<FreeSpace> {
  return async () => {
    const { bsize, blocks, bavail } = await statfs(path);
    const freeBytes = bavail * bsize;
    const reserveBytes = reserveFor(maxMessageBytes, blocks * bsize);
    return { freeBytes, reserveBytes, shortfall: Math.max(0, reserveBytes - freeBytes) };
  };
}

export interface DiskReserveDependencies {
  freeSpace: () => Promise<FreeSpace>;
  /** Gives up its oldest mails until the reserve is there again. */
  quarantine: { makeRoom(): Promise<void>; readonly count: number };
  log: Logger;
  /** Monotonic-enough clock in ms for the reading's validity; tests move it. */
  now?: () => number;
}

export class DiskReserve {
  readonly #deps: DiskReserveDependencies;
  readonly #now: () => number;
  #low = false;
  #readAt = -Infinity;
  #reading: Promise<boolean> | undefined;
  #failureLogged = false;

  constructor(deps: DiskReserveDependencies) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Whether data_dir has less free space than its reserve, from a reading at most a second old. Before it says yes,
   * the quarantine gives up mails to win the space back. A free space that cannot be read counts as enough: the
   * spool's own write then tells (451).
   */
  isLow(): Promise<boolean> {
    if (this.#reading !== undefined) return this.#reading;
    if (this.#now() - this.#readAt < readingValidMs) return Promise.resolve(this.#low);
    const reading = this.#read().finally(() => {
      this.#reading = undefined;
      this.#readAt = this.#now();
    });
    this.#reading = reading;
    return reading;
  }

  async #read(): Promise<boolean> {
    const { freeSpace, quarantine, log } = this.#deps;
    try {
      let space = await freeSpace();
      if (space.shortfall > 0 && quarantine.count > 0) {
        await quarantine.makeRoom();
        space = await freeSpace();
      }
      const low = space.shortfall > 0;
      // One line per episode, not per mail: a flood of refused mails must not flood the log.
      const { freeBytes, reserveBytes } = space;
      if (low && !this.#low)
        log.warn(
          { freeBytes, reserveBytes },
          'free space under data_dir below the reserve: only mail to alarm addresses is accepted (452 for the rest) until there is room again',
        );
      if (!low && this.#low)
        log.info({ freeBytes, reserveBytes }, 'free space under data_dir back above the reserve: all mail is accepted again');
      this.#low = low;
      this.#failureLogged = false;
      return low;
    } catch (error) {
      if (!this.#failureLogged)
        log.warn({ err: error }, 'cannot read the free space under data_dir: mail is accepted while the disk takes it');
      this.#failureLogged = true;
      this.#low = false;
      return false;
    }
  }
}
