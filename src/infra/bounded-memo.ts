/**
 * A memo of at most `max` entries that forgets the least recently used one first, and allocates as
 * it fills. `lru-cache` reserves all `max` slots up front (about 20 KB for 1,000); the catalog keeps
 * several memos per project and channel, which at a thousand projects was tens of megabytes of empty
 * slots, and a larger heap makes every young-generation collection slower.
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined && this.entries.size > 1) {
      // Map iterates in insertion order: moving the entry to the end makes it the most recent.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
