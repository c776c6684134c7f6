import { Hash64Table } from '../hash64Table';

/**
 * The request ids (`custom_id`, Gemini `key`) seen so far in a file, for the duplicate check.
 *
 * `ExactIds` keeps every id string: right for an editor buffer (its text is in memory anyway). `HashedIds` is for
 * files streamed from disk: 1,000,000 ids as strings in a Map cost about 45 MB and 1.5 s of GC; as 64-bit hashes in
 * typed arrays 12 bytes each. A hash match is only a candidate: validateFile confirms candidates exactly against the
 * lines' real ids (confirmDuplicates), so two ids whose hashes collide are never reported as duplicates.
 */
export interface RequestIds {
  /** Records `id` as used on `line`; the line that used it first when this use is a certain duplicate. */
  firstUse(id: string, line: number): number | undefined;
}

export class ExactIds implements RequestIds {
  private readonly first = new Map<string, number>();

  firstUse(id: string, line: number): number | undefined {
    const first = this.first.get(id);
    if (first === undefined) this.first.set(id, line);
    return first;
  }
}

/** A later line whose id hashed like an earlier one's: a duplicate unless the two ids differ. */
export interface DuplicateCandidate {
  line: number;
  id: string;
  /** The first line with the same hash. */
  hashedFirst: number;
}

export class HashedIds implements RequestIds {
  /** The first line of each id's hash (lines start at 1). */
  private readonly table: Hash64Table;
  readonly candidates: DuplicateCandidate[] = [];

  constructor(
    capacity = 1024,
    /** Tests pass a colliding one. */
    private readonly hash: (s: string) => [number, number] = hash64,
  ) {
    this.table = new Hash64Table(capacity);
  }

  /** Grows once to hold `expected` ids (from the file size): no doubling, so no moment with two big tables. */
  reserve(expected: number): void {
    this.table.reserve(expected);
  }

  firstUse(id: string, line: number): undefined {
    const [a, b] = this.hash(id);
    const at = this.table.getOrSet(a, b, line);
    if (at !== undefined) this.candidates.push({ line, id, hashedFirst: at });
    return undefined;
  }
}

/** Two independent 32-bit FNV-1a style hashes over the UTF-16 code units: 64 bits, so false candidates are rare. */
export function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final mixing (murmur3 fmix32) so ids differing only in their last characters spread over the table.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  return [a >>> 0, b >>> 0];
}
