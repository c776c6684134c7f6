import { QUALITIES, qualityOfAnswer, type Quality } from './quality';
import { LineOutcomeSchema } from '../status';
import { RangeReader } from './rangeReader';
import type { ResultRecord } from './record';
import { parseResultLine } from './resultLine';

/** The texts of a row's result, read back from its record on disk. */
export interface RecordTexts {
  outputText?: string;
  errorCode?: string;
  errorMessage?: string;
  raw?: unknown;
  /** A flagged succeeded line: its quality and why. */
  quality?: { quality: Exclude<Quality, 'ok'>; reason?: string };
}

const OUTCOME_SET: ReadonlySet<string> = new Set(LineOutcomeSchema.options);

/**
 * A results.jsonl line, checked by hand: these files are ours (written by joinResults) and a zod parse of
 * 50,000 records with their raw responses costs more than the rest of the merge.
 */
export function asRecord(v: unknown): ResultRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<ResultRecord>;
  if (typeof r.customId !== 'string' || typeof r.line !== 'number' || typeof r.jobId !== 'string' || typeof r.attempt !== 'number') return undefined;
  if (typeof r.outcome !== 'string' || !OUTCOME_SET.has(r.outcome)) return undefined;
  if (r.outputText !== undefined && typeof r.outputText !== 'string') return undefined;
  // A quality this version does not know (a hand-edited file) reads as none rather than as a broken row.
  if (r.quality !== undefined && (r.quality === ('ok' as string) || !QUALITIES.includes(r.quality))) return { ...(r as ResultRecord), quality: undefined };
  return r as ResultRecord;
}

/** The texts of one stored line: a Batchwise record, or any provider's result line (a results file opened on its own). */
export function textsOfLine(text: string): RecordTexts {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { raw: text };
  }
  const r = asRecord(v);
  if (r) return { outputText: r.outputText, errorCode: r.errorCode, errorMessage: r.errorMessage, raw: r.raw, ...(r.quality ? { quality: { quality: r.quality, ...(r.qualityReason ? { reason: r.qualityReason } : {}) } } : {}) };
  const p = parseResultLine(text);
  if (!p) return { raw: v };
  // A provider's own result line (a results file opened on its own): its quality is read the same way the join does.
  const verdict = p.outcome === 'succeeded' ? qualityOfAnswer(v, p.outputText) : undefined;
  const quality = verdict && verdict.quality !== 'ok' ? { quality: verdict.quality as Exclude<Quality, 'ok'>, ...(verdict.reason ? { reason: verdict.reason } : {}) } : undefined;
  return { outputText: p.outputText, errorCode: p.errorCode, errorMessage: p.errorMessage, raw: v, ...(quality ? { quality } : {}) };
}

/** Reads records by byte range from the chain's results files, one open reader per file; close it when done. */
export class RecordReader {
  private readonly readers = new Map<string, Promise<RangeReader>>();

  private reader(path: string): Promise<RangeReader> {
    let r = this.readers.get(path);
    if (!r) {
      r = RangeReader.open(path);
      this.readers.set(path, r);
    }
    return r;
  }

  /** The raw text at a range (a record, or an input line; a BOM is dropped). */
  async text(range: { path: string; offset: number; bytes: number }): Promise<string> {
    const t = await (await this.reader(range.path)).text(range.offset, range.bytes);
    return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
  }

  async texts(source: { path: string; offset: number; bytes: number } | undefined): Promise<RecordTexts> {
    return source ? textsOfLine(await this.text(source)) : {};
  }

  async close(): Promise<void> {
    const all = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(all.map(async (r) => (await r.catch(() => undefined))?.close()));
  }
}
