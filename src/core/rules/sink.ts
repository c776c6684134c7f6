import type { Diagnostic, Fix, Severity } from '../diagnostics';
import { LineLocator, type ColumnRange } from '../jsonLocate';

/** Diagnostics kept per code; past it only a count, so 50,000 bad lines cost a counter, not 50,000 objects. */
export const MAX_DIAGNOSTICS_PER_CODE = 1000;

/** Collects diagnostics with a per-code cap, then reports what it dropped. */
export class DiagnosticSink {
  private readonly kept: Diagnostic[] = [];
  private readonly counts = new Map<string, number>();
  /** The severity each code was reported with: a code past its cap still counts under it in `totals`. */
  private readonly severities = new Map<string, Severity>();

  constructor(private readonly cap = MAX_DIAGNOSTICS_PER_CODE) {}

  /** False when the code is already at its cap: callers skip building the message and ranges. */
  wants(code: string): boolean {
    const n = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, n);
    return n <= this.cap;
  }

  push(d: Diagnostic): void {
    this.kept.push(d);
    this.severities.set(d.code, d.severity);
  }

  /** Every problem found, also those past the cap (the summary's counts are the real ones). */
  totals(): { errors: number; warnings: number } {
    const t = { errors: 0, warnings: 0 };
    for (const [code, n] of this.counts) {
      const severity = this.severities.get(code);
      if (severity === 'error') t.errors += n;
      else if (severity === 'warning') t.warnings += n;
    }
    return t;
  }

  /** Everything in file order, then one info per capped code. */
  finish(): Diagnostic[] {
    const out = this.kept.slice().sort((a, b) => a.line - b.line || a.column - b.column);
    for (const [code, n] of this.counts) {
      if (n > this.cap) {
        out.push({
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 1,
          severity: 'info',
          code: 'diagnostics-truncated',
          message: `${(n - this.cap).toLocaleString('en-US')} more "${code}" problems are not listed (${n.toLocaleString('en-US')} in all; the first ${this.cap} are shown). Fix those and validate again.`,
        });
      }
    }
    return out;
  }

  count(code: string): number {
    return this.counts.get(code) ?? 0;
  }
}

/** One line being checked: its number, text and lazy ranges, plus a shortcut to report on it. */
export class LineContext {
  private locator: LineLocator | undefined;

  constructor(
    readonly line: number,
    readonly text: string,
    private readonly sink: DiagnosticSink,
  ) {}

  get locate(): LineLocator {
    return (this.locator ??= new LineLocator(this.text));
  }

  /**
   * Reports on this line. `where` is computed only when the code is under its cap, so a capped
   * rule never builds a syntax tree.
   */
  report(
    code: string,
    severity: Severity,
    where: (l: LineLocator) => ColumnRange,
    message: () => string,
    extra?: (l: LineLocator, range: ColumnRange) => { fix?: Fix; related?: Diagnostic['related'] },
  ): void {
    if (!this.sink.wants(code)) return;
    const range = where(this.locate);
    const more = extra?.(this.locate, range);
    const d: Diagnostic = { line: this.line, column: range.column, endLine: this.line, endColumn: range.endColumn, severity, code, message: message() };
    if (more?.related) d.related = more.related;
    if (more?.fix) d.fix = more.fix;
    this.sink.push(d);
  }

  /** A fix replacing one span of this line. */
  replace(title: string, range: ColumnRange, text: string): Fix {
    return { title, edits: [{ line: this.line, column: range.column, endLine: this.line, endColumn: range.endColumn, text }] };
  }
}
