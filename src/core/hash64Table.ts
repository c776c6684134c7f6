const MAX_LOAD = 0.8;
const TWO_32 = 4294967296;

/**
 * An open-addressing map from a 64-bit key (two 32-bit halves, e.g. from hash64) to a positive 32-bit value, in
 * typed arrays: 12 bytes a slot where a Map of strings costs about 45 bytes an entry and GC time. 0 is "empty", so
 * values start at 1 (line and row numbers do).
 */
export class Hash64Table {
  private keys: Uint32Array;
  private values: Uint32Array;
  private size = 0;

  constructor(capacity = 1024) {
    this.keys = new Uint32Array(capacity * 2);
    this.values = new Uint32Array(capacity);
  }

  /** Grows once to hold `expected` keys: no doubling on the way, so no moment with two big tables. */
  reserve(expected: number): void {
    const capacity = Math.ceil(expected / MAX_LOAD) + 1;
    if (capacity > this.values.length) this.rehash(capacity);
  }

  /** The key's value, if it has one. */
  get(a: number, b: number): number | undefined {
    const v = this.values[this.slot(a, b)]!;
    return v === 0 ? undefined : v;
  }

  /** The value the key already had; otherwise sets it to `value` and returns undefined (one probe for both). */
  getOrSet(a: number, b: number, value: number): number | undefined {
    const i = this.slot(a, b);
    const v = this.values[i]!;
    if (v !== 0) return v;
    this.put(i, a, b, value);
    return undefined;
  }

  set(a: number, b: number, value: number): void {
    const i = this.slot(a, b);
    if (this.values[i] !== 0) this.values[i] = value;
    else this.put(i, a, b, value);
  }

  private put(i: number, a: number, b: number, value: number): void {
    this.keys[2 * i] = a;
    this.keys[2 * i + 1] = b;
    this.values[i] = value;
    if (++this.size > this.values.length * MAX_LOAD) this.rehash(Math.ceil(this.values.length * 1.5));
  }

  /** The key's slot, or the empty slot where it would go. Multiply-shift range reduction: any capacity works. */
  private slot(a: number, b: number): number {
    const cap = this.values.length;
    let i = Math.floor((a / TWO_32) * cap);
    while (this.values[i] !== 0 && (this.keys[2 * i] !== a || this.keys[2 * i + 1] !== b)) if (++i === cap) i = 0;
    return i;
  }

  private rehash(capacity: number): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(capacity * 2);
    this.values = new Uint32Array(capacity);
    for (let j = 0; j < values.length; j++) {
      if (values[j] === 0) continue;
      const a = keys[2 * j]!;
      let i = Math.floor((a / TWO_32) * capacity);
      while (this.values[i] !== 0) if (++i === capacity) i = 0;
      this.keys[2 * i] = a;
      this.keys[2 * i + 1] = keys[2 * j + 1]!;
      this.values[i] = values[j]!;
    }
  }
}
