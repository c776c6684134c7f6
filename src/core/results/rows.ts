import { LineOutcomeSchema, type LineOutcome, type TokenUsage } from '../status';
import { QUALITIES, type Quality } from './quality';

/** One row of the merged view: an original input line and where its latest result is, across the retry chain. */
export interface MergedRow {
  /** 1-based line in the root job's input (or in the results file opened on its own). */
  line: number;
  customId: string;
  outcome: LineOutcome;
  /** The job (and attempt) the shown result came from. */
  jobId: string;
  attempt: number;
  usage?: TokenUsage;
  /** Where the original line is in the root input, to read it again (preview, search, detail, retry file). */
  input: { offset: number; bytes: number; bom: boolean };
  /** Where the full record (output, error, raw response) is, when there is one. */
  source?: { path: string; offset: number; bytes: number };
  /** A succeeded answer that is not usable as it is (truncated, empty, refused); absent when ok. */
  quality?: Exclude<Quality, 'ok'>;
}

const OUTCOMES: readonly LineOutcome[] = LineOutcomeSchema.options;
const OUTCOME_CODE = new Map(OUTCOMES.map((o, i) => [o, i]));
const HAS_USAGE = 1;
const HAS_CACHED = 2;
const BOM = 4;

/** A Float64Array/Uint32Array/... that grows while the input is streamed (its length is not known up front). */
type Typed = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
function grow<T extends Typed>(a: T, min: number): T {
  if (a.length >= min) return a;
  const next = new (a.constructor as new (n: number) => T)(a.length === 0 ? min : Math.max(min, a.length * 2, 1024));
  next.set(a);
  return next;
}

/**
 * The rows of a merged view, column by column in typed arrays (about 50 bytes per row plus its custom_id), so
 * 500,000 rows fit in a few tens of MB: texts (input, output, error, raw response) stay on disk, found by byte
 * offsets, and are read when a page, a search, the detail pane or an export needs them.
 */
export class MergedRows implements Iterable<MergedRow> {
  private n = 0;
  private lines = new Int32Array(0);
  private outcomes = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private origin = new Uint16Array(0);
  private inOff = new Float64Array(0);
  private inBytes = new Uint32Array(0);
  private srcOff = new Float64Array(0);
  private srcBytes = new Uint32Array(0);
  private srcPath = new Uint16Array(0);
  private tokIn = new Uint32Array(0);
  private tokOut = new Uint32Array(0);
  private tokCached = new Uint32Array(0);
  /** Index in QUALITIES; 0 (ok) by default. */
  private qualities = new Uint8Array(0);
  /** custom_ids packed as UTF-8 (a JS string per row costs three times the bytes, and as many heap objects). */
  private idBytes = Buffer.alloc(0);
  private idEnd = new Float64Array(0);
  private idUsed = 0;
  /** Jobs the rows' results come from (index 0: the root), and the files their records are in. */
  private readonly origins: { jobId: string; attempt: number }[] = [];
  private readonly paths: string[] = [];

  /** `expected`: the number of rows if known (the job's input lines), so the columns are allocated once, not doubled. */
  constructor(root: { jobId: string; attempt: number }, expected = 0) {
    this.origins.push(root);
    if (expected > 0) this.reserve(expected);
  }

  get length(): number {
    return this.n;
  }

  /** Appends a row for an input line, `missing` and from the root until a result is set. */
  push(line: number, customId: string, input: { offset: number; bytes: number; bom: boolean }): number {
    const i = this.n++;
    if (this.lines.length < this.n) this.reserve(this.n);
    this.lines[i] = line;
    this.outcomes[i] = OUTCOME_CODE.get('missing')!;
    this.flags[i] = input.bom ? BOM : 0;
    this.origin[i] = 0;
    this.inOff[i] = input.offset;
    this.inBytes[i] = input.bytes;
    this.srcOff[i] = -1;
    const need = this.idUsed + Buffer.byteLength(customId);
    if (need > this.idBytes.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.idBytes.length * 2, 64 * 1024));
      this.idBytes.copy(next, 0, 0, this.idUsed);
      this.idBytes = next;
    }
    this.idUsed += this.idBytes.write(customId, this.idUsed);
    this.idEnd[i] = this.idUsed;
    return i;
  }

  private reserve(min: number): void {
    this.lines = grow(this.lines, min);
    this.outcomes = grow(this.outcomes, min);
    this.flags = grow(this.flags, min);
    this.origin = grow(this.origin, min);
    this.inOff = grow(this.inOff, min);
    this.inBytes = grow(this.inBytes, min);
    this.srcOff = grow(this.srcOff, min);
    this.srcBytes = grow(this.srcBytes, min);
    this.srcPath = grow(this.srcPath, min);
    this.tokIn = grow(this.tokIn, min);
    this.tokOut = grow(this.tokOut, min);
    this.tokCached = grow(this.tokCached, min);
    this.qualities = grow(this.qualities, min);
    this.idEnd = grow(this.idEnd, min);
  }

  private indexOf<T>(list: T[], value: T, same: (a: T, b: T) => boolean): number {
    const k = list.findIndex((x) => same(x, value));
    if (k >= 0) return k;
    list.push(value);
    return list.length - 1;
  }

  /** The row's result from now on: outcome, origin, usage and where the record is. */
  setResult(i: number, r: { outcome: LineOutcome; jobId: string; attempt: number; usage?: TokenUsage; source: { path: string; offset: number; bytes: number }; quality?: Quality }): void {
    this.outcomes[i] = OUTCOME_CODE.get(r.outcome)!;
    this.qualities[i] = QUALITIES.indexOf(r.quality ?? 'ok');
    this.origin[i] = this.indexOf(this.origins, { jobId: r.jobId, attempt: r.attempt }, (a, b) => a.jobId === b.jobId && a.attempt === b.attempt);
    this.srcPath[i] = this.indexOf(this.paths, r.source.path, (a, b) => a === b);
    this.srcOff[i] = r.source.offset;
    this.srcBytes[i] = r.source.bytes;
    let f = this.flags[i]! & BOM;
    if (r.usage) {
      f |= HAS_USAGE;
      this.tokIn[i] = r.usage.inputTokens;
      this.tokOut[i] = r.usage.outputTokens;
      if (r.usage.cachedTokens !== undefined) {
        f |= HAS_CACHED;
        this.tokCached[i] = r.usage.cachedTokens;
      }
    }
    this.flags[i] = f;
  }

  line(i: number): number {
    return this.lines[i]!;
  }

  customId(i: number): string {
    return this.idBytes.toString('utf8', i === 0 ? 0 : this.idEnd[i - 1]!, this.idEnd[i]!);
  }

  outcome(i: number): LineOutcome {
    return OUTCOMES[this.outcomes[i]!]!;
  }

  quality(i: number): Quality {
    return QUALITIES[this.qualities[i]!]!;
  }

  hasSource(i: number): boolean {
    return this.srcOff[i]! >= 0;
  }

  /** Input + output tokens, null without usage. */
  tokens(i: number): number | null {
    return this.flags[i]! & HAS_USAGE ? this.tokIn[i]! + this.tokOut[i]! : null;
  }

  usage(i: number): TokenUsage | undefined {
    const f = this.flags[i]!;
    if (!(f & HAS_USAGE)) return undefined;
    return { inputTokens: this.tokIn[i]!, outputTokens: this.tokOut[i]!, ...(f & HAS_CACHED ? { cachedTokens: this.tokCached[i]! } : {}) };
  }

  input(i: number): { offset: number; bytes: number; bom: boolean } {
    return { offset: this.inOff[i]!, bytes: this.inBytes[i]!, bom: (this.flags[i]! & BOM) !== 0 };
  }

  source(i: number): { path: string; offset: number; bytes: number } | undefined {
    return this.srcOff[i]! >= 0 ? { path: this.paths[this.srcPath[i]!]!, offset: this.srcOff[i]!, bytes: this.srcBytes[i]! } : undefined;
  }

  /** One row as an object (for a page, the detail pane, an export line): built on demand, never kept. */
  at(i: number): MergedRow | undefined {
    if (i < 0 || i >= this.n) return undefined;
    const o = this.origins[this.origin[i]!]!;
    const usage = this.usage(i);
    const source = this.source(i);
    const quality = this.quality(i);
    return { line: this.lines[i]!, customId: this.customId(i), outcome: this.outcome(i), jobId: o.jobId, attempt: o.attempt, input: this.input(i), ...(usage ? { usage } : {}), ...(source ? { source } : {}), ...(quality !== 'ok' ? { quality } : {}) };
  }

  *[Symbol.iterator](): Iterator<MergedRow> {
    for (let i = 0; i < this.n; i++) yield this.at(i)!;
  }

  /** Row indices by file of their record, each in file order: reading them so walks every file front to back. */
  bySource(): { path: string; rows: Int32Array }[] {
    const counts = new Uint32Array(this.paths.length);
    for (let i = 0; i < this.n; i++) if (this.srcOff[i]! >= 0) counts[this.srcPath[i]!]!++;
    return this.paths.map((path, p) => {
      const rows = new Int32Array(counts[p]!);
      let k = 0;
      for (let i = 0; i < this.n; i++) if (this.srcOff[i]! >= 0 && this.srcPath[i] === p) rows[k++] = i;
      const off = this.srcOff;
      rows.sort((a, b) => off[a]! - off[b]!);
      return { path, rows };
    });
  }
}
