// Work started without waiting for it (retiring a delivered mail, re-announcing discovery) that a stop must
// still wait for: otherwise it writes into data_dir after the bridge said it had stopped.
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();

  /** Runs the task; its failure goes to onError and never becomes an unhandled rejection. */
  run(task: Promise<unknown>, onError: (error: unknown) => void): void {
    const running: Promise<void> = task
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  /** Resolves once every task started so far, and every task they started meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}
