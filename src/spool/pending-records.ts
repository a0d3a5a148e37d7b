// The journal's pending records: where each one's entry is, and how many of them (and how many bytes) each segment
// holds, so that a segment without any can go and one with few can be compacted.
import type { EntryLocation } from './group-commit.js';

export interface PendingRecord {
  location: EntryLocation;
  /** Its body's file under `spool/bodies/`, for a record over the in-memory limit. */
  bodyFile: string | undefined;
}

export class PendingRecords {
  readonly #byId = new Map<string, PendingRecord>();
  readonly #bySegment = new Map<number, { records: number; bytes: number }>();

  get(id: string): PendingRecord | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Oldest first: ids sort in commit order. */
  ids(): string[] {
    return [...this.#byId.keys()].sort();
  }

  records(): IterableIterator<[string, PendingRecord]> {
    return this.#byId.entries();
  }

  /** Adds a record, or moves it to where it was copied. */
  set(id: string, record: PendingRecord): void {
    this.delete(id);
    this.#byId.set(id, record);
    this.#count(record.location, 1);
  }

  delete(id: string): void {
    const record = this.#byId.get(id);
    if (!record) return;
    this.#byId.delete(id);
    this.#count(record.location, -1);
  }

  clear(): void {
    this.#byId.clear();
    this.#bySegment.clear();
  }

  /** The pending records in `segment` and the bytes of their entries; undefined when it holds none. */
  usage(segment: number): { records: number; bytes: number } | undefined {
    return this.#bySegment.get(segment);
  }

  #count({ segment, length }: EntryLocation, sign: 1 | -1): void {
    const counted = this.#bySegment.get(segment) ?? { records: 0, bytes: 0 };
    counted.records += sign;
    counted.bytes += sign * length;
    if (counted.records === 0) this.#bySegment.delete(segment);
    else this.#bySegment.set(segment, counted);
  }
}
