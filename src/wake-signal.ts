// Lets a worker loop sleep until there is work or a deadline, without losing a wake-up that comes while it is
// busy: a wake with no sleeper is kept for the next sleep.

export class WakeSignal {
  #wake: (() => void) | undefined;
  #pending = false;

  /** Resolves on the next wake, after `ms` if given, or at once if a wake came since the last sleep. */
  sleep(ms?: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.#fire(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    if (this.#wake) this.#wake();
    else this.#pending = true;
  }

  #fire(): void {
    this.#wake?.();
  }
}
