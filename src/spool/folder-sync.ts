// fsync of a folder shared by everyone waiting for one: under load, renames done while a sync is running
// wait for the next sync instead of each paying for its own (group commit).
import { type FileHandle, open } from 'node:fs/promises';

export class FolderSync {
  readonly #folder: FileHandle;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  private constructor(folder: FileHandle) {
    this.#folder = folder;
  }

  static async open(path: string): Promise<FolderSync> {
    return new FolderSync(await open(path, 'r'));
  }

  /** Resolves once every change made to the folder before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) return this.#start();
    // The running sync may have begun before the caller's change: wait for the one after it.
    this.#next ??= this.#running.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  close(): Promise<void> {
    return this.#folder.close();
  }

  #startNext(): Promise<void> {
    this.#next = undefined;
    return this.#start();
  }

  #start(): Promise<void> {
    const running = this.#folder.sync().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
