// Cuts a connection's bytes into frames, `[` to `]`, however TCP splits or joins them. What lies between frames
// (CR, LF, spaces, NUL) is skipped; anything else is garbage. Bounded: at most `maxFrameBytes` of an unfinished
// frame are held, so an endless line costs nothing beyond that and is told as `too_long` once.
import { maxFrameBytes } from './frame.js';

export type Piece = { frame: string } | { garbage: number } | { tooLong: true };

const separators = /^[\s\0]+/u;

export class FrameSplitter {
  #pending = '';
  /** After an endless line: nothing more is read on this connection. */
  #broken = false;

  push(chunk: Buffer): Piece[] {
    if (this.#broken) return [];
    const pieces: Piece[] = [];
    // latin1 keeps one character per byte, so lengths are bytes and no sequence is ever invalid.
    this.#pending += chunk.toString('latin1');
    for (;;) {
      this.#pending = this.#pending.replace(separators, '');
      if (this.#pending === '') break;
      const start = this.#pending.indexOf('[');
      if (start !== 0) {
        const garbage = start < 0 ? this.#pending.length : start;
        pieces.push({ garbage });
        this.#pending = this.#pending.slice(garbage);
        continue;
      }
      const end = this.#pending.indexOf(']');
      const restart = this.#pending.indexOf('[', 1);
      if (restart > 0 && (end < 0 || restart < end)) {
        // `[abc[test 18…]`: a frame cut short and another begun; the cut one is garbage.
        pieces.push({ garbage: restart });
        this.#pending = this.#pending.slice(restart);
        continue;
      }
      if (end < 0) {
        if (this.#pending.length > maxFrameBytes) {
          pieces.push({ tooLong: true });
          this.#pending = '';
          this.#broken = true;
        }
        break;
      }
      pieces.push({ frame: this.#pending.slice(0, end + 1) });
      this.#pending = this.#pending.slice(end + 1);
    }
    return pieces;
  }
}
