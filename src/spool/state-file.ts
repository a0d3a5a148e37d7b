// A small JSON state that must survive restarts (the alarm state, the known zones, what discovery published).
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFileDurably } from './durable-file.js';

/** How `save` tells of a value it could not write, and of the first write that worked again. */
export interface SaveReport {
  failed(error: unknown): void;
  recovered(): void;
}

/** A value `save` could not write is tried again this much later (or with the next value, whichever comes first). */
const saveRetryMs = 30_000;

export class StateFile<T> {
  readonly #path: string;
  readonly #retryMs: number;
  readonly #minIntervalMs: number;
  /** Writes run one after another (two at once would share the temp file); waiting ones fold into the newest. */
  #running: Promise<void> | undefined;
  #next: { data: string; done: Promise<void> } | undefined;
  /** On the monotonic clock: a wall clock set back must not hold a write for as long. */
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #closing = false;
  #endPause: (() => void) | undefined;
  /** Counts `save` calls, so that only the newest one's outcome counts. */
  #saves = 0;
  #failing = false;
  #retry: NodeJS.Timeout | undefined;

  /**
   * `minIntervalMs`: a write follows the one before at least this much later, taking the newest value then (a file
   * that many events change, such as the zones, costs a disk sync a second instead of one per event).
   */
  constructor(path: string, { retryMs = saveRetryMs, minIntervalMs = 0 }: { retryMs?: number; minIntervalMs?: number } = {}) {
    this.#path = path;
    this.#retryMs = retryMs;
    this.#minIntervalMs = minIntervalMs;
  }

  async read(): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.#path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Resolves once this value, or a newer one, is on disk. */
  write(value: T): Promise<void> {
    const data = JSON.stringify(value);
    if (this.#next) {
      this.#next.data = data;
      return this.#next.done;
    }
    if (!this.#running && !this.#pausing()) return this.#start(data);
    const next = {
      data,
      done: Promise.resolve(this.#running)
        .catch(() => undefined)
        .then(() => this.#pause())
        .then(() => this.#startNext()),
    };
    this.#next = next;
    return next.done;
  }

  /**
   * Writes a state whose loss costs less than a delivery done twice: a failure (a full disk) is told once and the
   * newest value tried again until it is written. Resolves once this value is written or its first attempt failed,
   * never rejects: whoever waits (a delivery, so that a delivered event's state is on disk on a working disk) is not
   * failed by the disk, and nothing that depends on the state is done twice.
   */
  save(value: T, report: SaveReport): Promise<void> {
    const save = ++this.#saves;
    clearTimeout(this.#retry);
    return this.write(value).then(
      () => {
        if (save !== this.#saves || !this.#failing) return;
        this.#failing = false;
        report.recovered();
      },
      (error: unknown) => {
        if (save !== this.#saves) return;
        if (!this.#failing) report.failed(error);
        this.#failing = true;
        this.#retry = setTimeout(() => void this.save(value, report), this.#retryMs).unref();
      },
    );
  }

  /** Stops retrying and waits for the write under way. */
  async close(): Promise<void> {
    clearTimeout(this.#retry);
    this.#closing = true;
    this.#endPause?.();
    this.#saves++;
    await this.#next?.done.catch(() => undefined);
    await this.#running?.catch(() => undefined);
  }

  /** Until the interval since the last write is over, or the file is closed. */
  #pause(): Promise<void> {
    if (!this.#pausing()) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(end, this.#lastWriteAt + this.#minIntervalMs - performance.now());
      this.#endPause = end;
    });
  }

  #startNext(): Promise<void> {
    const data = this.#next?.data ?? '';
    this.#next = undefined;
    return this.#start(data);
  }

  /** True until `minIntervalMs` after the last write began (never once closing: then everything is written at once). */
  #pausing(): boolean {
    return !this.#closing && this.#lastWriteAt + this.#minIntervalMs > performance.now();
  }

  #start(data: string): Promise<void> {
    this.#lastWriteAt = performance.now();
    const running = (async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFileDurably(dirname(this.#path), basename(this.#path), data);
    })().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
