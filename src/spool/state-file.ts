// A small JSON state that must survive restarts (the alarm state, the known zones, what discovery published).
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFileDurably } from './durable-file.js';

export class StateFile<T> {
  readonly #path: string;
  /** Writes run one after another (two at once would share the temp file); waiting ones fold into the newest. */
  #running: Promise<void> | undefined;
  #next: { data: string; done: Promise<void> } | undefined;

  constructor(path: string) {
    this.#path = path;
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
    if (!this.#running) return this.#start(data);
    if (this.#next) {
      this.#next.data = data;
      return this.#next.done;
    }
    const next = { data, done: this.#running.catch(() => undefined).then(() => this.#startNext()) };
    this.#next = next;
    return next.done;
  }

  #startNext(): Promise<void> {
    const data = this.#next?.data ?? '';
    this.#next = undefined;
    return this.#start(data);
  }

  #start(data: string): Promise<void> {
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
