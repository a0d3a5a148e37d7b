// The mails stored in the last minutes, by resend key (resend-key.ts), so that a client resending a mail whose 250 it
// never read gets the first id back instead of a second event. Each is an empty marker file `<id>.<key>.received`
// in the spool's mails folder: the folder sync that commits the mail makes the marker durable as well, so the record
// survives the very crash that lost the 250, at no extra fsync.
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackgroundTasks } from '../background-tasks.js';
import { removeIfPresent } from './durable-file.js';

const markerSuffix = '.received';

export interface RecentMail {
  id: string;
  /** True once the mail is durable; false if its commit failed (it is then forgotten). */
  stored: Promise<boolean>;
}

export class RecentMails {
  readonly #folder: string;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** In the order they were stored, so pruning stops at the first one still inside the window. */
  readonly #byKey = new Map<string, RecentMail & { at: number }>();
  readonly #removals = new BackgroundTasks();

  constructor(folder: string, windowMs: number, now: () => number) {
    this.#folder = folder;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Rebuilds the record from the markers a previous run left; removes those outside the window. */
  async load(): Promise<void> {
    this.#byKey.clear();
    const loaded: { key: string; id: string; at: number }[] = [];
    for (const name of await readdir(this.#folder)) {
      if (!name.endsWith(markerSuffix)) continue;
      const [id, key, ...rest] = name.slice(0, -markerSuffix.length).split('.');
      const path = join(this.#folder, name);
      const at = (await stat(path)).mtimeMs;
      if (!id || !key || rest.length > 0 || this.#expired(at)) await removeIfPresent(path);
      else loaded.push({ key, id, at });
    }
    loaded.sort((a, b) => a.at - b.at);
    for (const { key, id, at } of loaded) this.#byKey.set(key, { id, at, stored: Promise.resolve(true) });
  }

  /** The ids of the mails that have a marker. */
  markedIds(): Set<string> {
    return new Set([...this.#byKey.values()].map((entry) => entry.id));
  }

  /**
   * Writes again the marker of a stored mail that lacks one (the process died between the mail's rename and its
   * marker), dated when the mail was stored, so that the client's resend still finds the first id.
   */
  async restore(key: string, id: string, storedAt: number): Promise<void> {
    if (!this.withinWindow(storedAt) || this.#byKey.has(key)) return;
    const path = this.#path(key, id);
    await writeFile(path, '');
    const when = new Date(storedAt);
    await utimes(path, when, when);
    this.#byKey.set(key, { id, at: storedAt, stored: Promise.resolve(true) });
    const sorted = [...this.#byKey].sort(([, a], [, b]) => a.at - b.at);
    this.#byKey.clear();
    for (const [entryKey, entry] of sorted) this.#byKey.set(entryKey, entry);
  }

  /** A mail stored at `storedAt` is still recognised when sent again. */
  withinWindow(storedAt: number): boolean {
    return !this.#expired(storedAt);
  }

  /** The mail stored under `key` within the window, if any. */
  get(key: string): RecentMail | undefined {
    this.#prune();
    return this.#byKey.get(key);
  }

  /** Records a mail being committed under `key`; it is forgotten again if `stored` says the commit failed. */
  add(key: string, id: string, stored: Promise<boolean>): void {
    this.#prune();
    this.#byKey.delete(key);
    this.#byKey.set(key, { id, at: this.#now(), stored });
    void stored.then((ok) => {
      if (!ok && this.#byKey.get(key)?.id === id) this.#byKey.delete(key);
    });
  }

  /** Creates the marker: call it before the folder sync that commits the mail. */
  async mark(key: string, id: string): Promise<void> {
    await writeFile(this.#path(key, id), '');
  }

  async unmark(key: string, id: string): Promise<void> {
    await removeIfPresent(this.#path(key, id));
  }

  /** Waits for marker removals still running, so nothing writes into data_dir after a stop. */
  async close(): Promise<void> {
    await this.#removals.settled();
  }

  #prune(): void {
    for (const [key, entry] of this.#byKey) {
      if (!this.#expired(entry.at)) break;
      this.#byKey.delete(key);
      // One that cannot be removed now is removed at the next open.
      this.#removals.run(removeIfPresent(this.#path(key, entry.id)), () => undefined);
    }
  }

  /** Either way: a clock set back (a Raspberry Pi without a clock chip) must not keep a marker forever. */
  #expired(at: number): boolean {
    return Math.abs(this.#now() - at) > this.#windowMs;
  }

  #path(key: string, id: string): string {
    return join(this.#folder, `${id}.${key}${markerSuffix}`);
  }
}
