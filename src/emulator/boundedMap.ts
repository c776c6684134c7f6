/**
 * A Map that forgets its oldest entries beyond a count (and optionally a byte budget), so a long-running
 * emulator fed thousands of batches keeps bounded memory.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (value: V) => number = () => 0,
  ) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.delete(key);
    this.map.set(key, value);
    this.bytes += this.sizeOf(value);
    for (const oldest of this.map.keys()) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (oldest === key) break;
      this.delete(oldest);
    }
  }

  delete(key: string): boolean {
    const old = this.map.get(key);
    if (old === undefined) return false;
    this.bytes -= this.sizeOf(old);
    return this.map.delete(key);
  }

  /** Oldest first (insertion order). */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}

/** A set of remembered keys with the same eviction rule (for `[[fail-once]]` memory). */
export class BoundedSet {
  private readonly set = new Set<string>();
  constructor(private readonly maxEntries: number) {}

  has(key: string): boolean {
    return this.set.has(key);
  }

  add(key: string): void {
    this.set.add(key);
    if (this.set.size > this.maxEntries) {
      const oldest = this.set.values().next().value;
      if (oldest !== undefined) this.set.delete(oldest);
    }
  }
}
