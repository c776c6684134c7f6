import { stat } from 'node:fs/promises';
import { readJsonlFile } from './jsonl';
import type { Estimate } from './jobs/job';
import type { PricingOverrides } from './pricing';
import { lookupPrice, normalizeModelId, PRICE_TABLE, PRICING_DATE, PRICING_SOURCES, type ResolvedPrice } from './pricingData';
import type { ProviderId } from './status';
import { countRequest, describeRequest, lineFormat, loadEncoding, textChars, tokenCounterFor, type EncodingName, type LineFormat, type TokenCounter } from './tokens';
import { countOf, moneyFormat } from './format';

/**
 * Output cap assumed for a request that sets none (OpenAI without max_tokens, Gemini without
 * maxOutputTokens). The model's own limit is higher; this keeps the upper bound meaningful.
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;
/**
 * The "typical" reply: min(the request's cap, this). Replies are usually far below their cap;
 * the figure after a first real batch (the job's usage) is the one to trust.
 */
export const TYPICAL_OUTPUT_TOKENS = 500;
/** Characters tokenized exactly before switching to sampling (about a second of BPE even on dense text). */
export const EXACT_TOKENIZE_CHARS = 4_000_000;
/**
 * Past the exact budget, text is sampled by position, not by line: one window of SAMPLE_WINDOW_CHARS is tokenized
 * every SAMPLE_STRIDE windows' worth of characters (4% of the text), wherever it falls. A single 50 MB line is then
 * sampled in proportion to its size instead of being missed (picking one line in 25 left it out, 11% under).
 * The rest is counted at the tokens-per-character those windows measured.
 */
export const SAMPLE_STRIDE = 25;
export const SAMPLE_WINDOW_CHARS = 2000;

export interface ModelEstimate {
  model: string | null;
  requests: number;
  inputTokens: number;
  outputTokensMax: number;
  outputTokensTypical: number;
  price: ResolvedPrice | null;
  standardCost: number | null;
  batchCost: number | null;
  standardCostMax: number | null;
  batchCostMax: number | null;
}

/** The contract's Estimate (stored on the job) plus what the CLI and the confirmation show. */
export interface FileEstimate extends Estimate {
  outputTokensTypical: number;
  provider: ProviderId | null;
  /** Costs with every reply at its cap: what the batch can cost at most. */
  standardCostMax: number | null;
  batchCostMax: number | null;
  /** standardCost - batchCost. */
  saving: number | null;
  /** Why the costs are null (unknown model, self-hosted...). */
  reason?: string;
  models: ModelEstimate[];
  /** `exact` when every request was counted with an OpenAI encoding, `approx` for the chars/3.5 rule, `mixed` for both. */
  tokenMethod: 'exact' | 'approx' | 'mixed';
  encodings: EncodingName[];
  /** Lines actually tokenized when sampling kicked in; null when every line was counted. */
  sampledLines: number | null;
  /** Requests that set no output cap and were counted at DEFAULT_MAX_OUTPUT_TOKENS. */
  defaultedMaxTokens: number;
  /** Non-blank lines that are not a request (bad JSON, unknown shape): not counted. */
  skippedLines: number;
  pricingSources: string[];
}

/** The part of an estimate a job records (JobSchema's `estimate`). */
export function toStoredEstimate(e: FileEstimate): Estimate {
  return {
    requests: e.requests,
    inputTokens: e.inputTokens,
    outputTokensMax: e.outputTokensMax,
    outputTokensTypical: e.outputTokensTypical,
    standardCost: e.standardCost,
    batchCost: e.batchCost,
    currency: e.currency,
    model: e.model,
    pricingDate: e.pricingDate,
  };
}

/** The price of a free endpoint (moderations, "free to use": https://platform.openai.com/docs/guides/moderation): known, and zero. */
const FREE: ResolvedPrice = { matched: 'moderation', source: 'table', input: 0, output: 0, batchInput: 0, batchOutput: 0 };

export interface EstimateOptions {
  /** The provider the file is for; detected from each line's shape when absent. `local` has no price. */
  provider?: ProviderId;
  overrides?: PricingOverrides;
  /** The model when lines carry none (Gemini takes it from the batch). */
  model?: string;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Tests lower these to exercise sampling on small files. */
  exactChars?: number;
  sampleStride?: number;
  sampleWindowChars?: number;
}

const FORMAT_PROVIDER: Record<LineFormat, ProviderId> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gemini' };

/** Streams the file once: tokens per request, output bounds, then prices per model. */
export async function estimateFile(path: string, opts: EstimateOptions = {}): Promise<FileEstimate> {
  const exactBudget = opts.exactChars ?? EXACT_TOKENIZE_CHARS;
  const window = Math.max(1, opts.sampleWindowChars ?? SAMPLE_WINDOW_CHARS);
  const sampler = new PositionSampler(window, window * Math.max(1, opts.sampleStride ?? SAMPLE_STRIDE));
  // Characters past the exact budget, per model group and encoding: counted at the sampled ratio at the end.
  const deferred = new Map<ModelEstimate, Map<TokenCounter, number>>();
  const totalBytes = opts.onProgress ? (await stat(path)).size : 0;
  const groups = new Map<string, ModelEstimate>();
  // Measured tokens per character of text, per exact encoding, for the lines that are not tokenized.
  const ratios = new Map<TokenCounter, { tokens: number; chars: number }>();
  const methods = new Set<'exact' | 'approx'>();
  const encodings = new Set<EncodingName>();
  let exactChars = 0;
  let tokenized = 0;
  let extrapolated = 0;
  let skippedLines = 0;
  let defaultedMaxTokens = 0;
  let requests = 0;
  let detected: ProviderId | null = null;
  /** Why some requests have no per-token price (images, videos): the costs are unknown then. */
  const perUnit = new Set<string>();
  /** Groups whose every request is free (moderations). */
  const free = new Map<ModelEstimate, boolean>();

  const lines = readJsonlFile(path, { signal: opts.signal, onChunk: opts.onProgress ? (n: number) => opts.onProgress!(n, totalBytes) : undefined });
  for await (const l of lines) {
    if (!l.text.trim()) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(l.text);
    } catch {
      skippedLines++;
      continue;
    }
    const format = lineFormat(obj);
    const r = format && describeRequest(obj, format);
    if (!format || !r) {
      skippedLines++;
      continue;
    }
    detected ??= FORMAT_PROVIDER[format];
    requests++;
    const model = r.model ?? opts.model ?? null;
    const counter = tokenCounterFor(opts.provider === 'local' ? 'local' : FORMAT_PROVIDER[format], model);
    methods.add(counter.method);
    if (counter.encoding && !encodings.has(counter.encoding)) {
      await loadEncoding(counter.encoding);
      encodings.add(counter.encoding);
    }

    let input: number;
    let deferredChars = 0;
    const chars = textChars(r);
    if (counter.method === 'approx' || exactChars < exactBudget) {
      input = countRequest(r, counter);
      if (counter.method === 'exact') {
        exactChars += chars;
        tokenized++;
        const s = ratios.get(counter) ?? { tokens: 0, chars: 0 };
        s.tokens += input - r.fixedTokens;
        s.chars += chars;
        ratios.set(counter, s);
      }
    } else {
      input = r.fixedTokens;
      deferredChars = chars;
      if (sampler.sample(r.texts, counter)) tokenized++;
      extrapolated++;
    }

    let cap = r.noOutput ? 0 : r.maxOutputTokens;
    if (cap === null) {
      cap = DEFAULT_MAX_OUTPUT_TOKENS;
      defaultedMaxTokens++;
    }
    const key = model ? normalizeModelId(model) : '';
    let g = groups.get(key);
    if (!g) {
      g = { model: key || null, requests: 0, inputTokens: 0, outputTokensMax: 0, outputTokensTypical: 0, price: null, standardCost: null, batchCost: null, standardCostMax: null, batchCostMax: null };
      groups.set(key, g);
    }
    g.requests++;
    g.inputTokens += input;
    if (typeof r.billing === 'object') perUnit.add(r.billing.perUnit);
    free.set(g, (free.get(g) ?? true) && r.billing === 'free');
    if (deferredChars > 0) {
      const byCounter = deferred.get(g) ?? new Map<TokenCounter, number>();
      byCounter.set(counter, (byCounter.get(counter) ?? 0) + deferredChars);
      deferred.set(g, byCounter);
    }
    g.outputTokensMax += cap;
    g.outputTokensTypical += Math.min(cap, TYPICAL_OUTPUT_TOKENS);
  }

  for (const [g, byCounter] of deferred) {
    for (const [counter, chars] of byCounter) {
      const s = sampler.measured(counter) ?? ratios.get(counter);
      g.inputTokens += Math.round(chars * (s && s.chars > 0 ? s.tokens / s.chars : 0.25));
    }
  }

  const provider = opts.provider ?? detected;
  const models = [...groups.values()].sort((a, b) => b.requests - a.requests);
  const unpriced: string[] = [];
  for (const g of models) {
    g.price = provider === 'local' || perUnit.size > 0 ? null : free.get(g) ? FREE : lookupPrice(g.model, opts.overrides);
    if (!g.price) {
      unpriced.push(g.model ?? '(no model)');
      continue;
    }
    const p = g.price;
    g.standardCost = usdOf(g.inputTokens * p.input + g.outputTokensTypical * p.output);
    g.batchCost = usdOf(g.inputTokens * p.batchInput + g.outputTokensTypical * p.batchOutput);
    g.standardCostMax = usdOf(g.inputTokens * p.input + g.outputTokensMax * p.output);
    g.batchCostMax = usdOf(g.inputTokens * p.batchInput + g.outputTokensMax * p.batchOutput);
  }
  const priced = models.length > 0 && unpriced.length === 0;
  const sum = (f: (g: ModelEstimate) => number | null) => (priced ? round9(models.reduce((a, g) => a + (f(g) ?? 0), 0)) : null);
  const standardCost = sum((g) => g.standardCost);
  const batchCost = sum((g) => g.batchCost);

  let reason: string | undefined;
  if (requests === 0) reason = 'the file has no requests';
  else if (provider === 'local') reason = 'self-hosted models have no per-token price';
  else if (perUnit.size > 0) reason = `unknown price: ${[...perUnit].join('; ')}`;
  else if (!priced) {
    const list = unpriced.join(', ');
    reason = unpriced.includes('(no model)')
      ? `no model in the file${provider === 'gemini' ? ' (Gemini takes it from the batch: pass --model)' : ''}`
      : `no price known for ${list}: add it to the batchwise.pricing setting (USD per 1M tokens)`;
  }

  return {
    requests,
    inputTokens: sumOf(models, (g) => g.inputTokens),
    outputTokensMax: sumOf(models, (g) => g.outputTokensMax),
    outputTokensTypical: sumOf(models, (g) => g.outputTokensTypical),
    standardCost,
    batchCost,
    standardCostMax: sum((g) => g.standardCostMax),
    batchCostMax: sum((g) => g.batchCostMax),
    saving: standardCost !== null && batchCost !== null ? round9(standardCost - batchCost) : null,
    currency: 'USD',
    model: models[0]?.model ?? null,
    pricingDate: priced ? PRICING_DATE : null,
    provider,
    ...(reason ? { reason } : {}),
    models,
    tokenMethod: methods.size === 2 ? 'mixed' : methods.has('approx') ? 'approx' : 'exact',
    encodings: [...encodings],
    sampledLines: extrapolated > 0 ? tokenized : null,
    defaultedMaxTokens,
    skippedLines,
    pricingSources: priced ? pricingSourcesFor(models) : [],
  };
}

/**
 * Tokenizes windows spread evenly over the text by character position, across lines: a window starts every
 * `spacing` characters (snapped to whitespace, so words are not cut), whatever line it falls in.
 */
class PositionSampler {
  private pos = 0;
  private next: number;
  private readonly densities = new Map<TokenCounter, { sum: number; windows: number }>();

  constructor(
    private readonly window: number,
    private readonly spacing: number,
  ) {
    this.next = Math.floor(spacing / 2);
  }

  /** Samples the windows that fall in these texts; true when at least one did. */
  sample(texts: readonly string[], counter: TokenCounter): boolean {
    let any = false;
    for (const t of texts) {
      while (this.next < this.pos + t.length) {
        const at = this.next - this.pos;
        const space = t.indexOf(' ', at);
        const start = at === 0 || space === -1 || space - at > this.window ? at : space + 1;
        const limit = Math.min(t.length, start + this.window);
        const cut = limit < t.length ? t.lastIndexOf(' ', limit) : limit;
        const end = cut > start ? cut : limit;
        this.next += this.spacing;
        if (end <= start) continue;
        // Each window stands for the `spacing` characters around it: its density counts once, however short it
        // is (clipped at the end of a short line), so short lines do not weigh less than a long one.
        const s = this.densities.get(counter) ?? { sum: 0, windows: 0 };
        s.sum += counter.count(t.slice(start, end)) / (end - start);
        s.windows++;
        this.densities.set(counter, s);
        any = true;
      }
      this.pos += t.length;
    }
    return any;
  }

  /** Mean tokens per character of the sampled windows, as a ratio. */
  measured(counter: TokenCounter): { tokens: number; chars: number } | undefined {
    const d = this.densities.get(counter);
    return d && d.windows > 0 ? { tokens: d.sum, chars: d.windows } : undefined;
  }
}

/** Prices are per 1M tokens; rounded to 1e-9 so float noise does not show and small embedding batches still do. */
function usdOf(tokensTimesPrice: number): number {
  return round9(tokensTimesPrice / 1_000_000);
}

function round9(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

function sumOf(models: ModelEstimate[], f: (g: ModelEstimate) => number): number {
  return models.reduce((a, g) => a + f(g), 0);
}

function pricingSourcesFor(models: ModelEstimate[]): string[] {
  const out = new Set<string>();
  for (const g of models) {
    if (g.price?.source === 'override') out.add('batchwise.pricing setting');
    else if (g.price) {
      const entry = PRICE_TABLE[g.price.matched];
      if (entry) out.add(PRICING_SOURCES[entry.provider]);
    }
  }
  return [...out];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The human table: tokens, then standard vs batch with the saving, then how the figures were made. */
export function formatEstimate(file: string, est: FileEstimate, opts: { /** Where to see why a line is not a request; the CLI's command by default. */ validateHint?: string } = {}): string {
  const rows: [string, string][] = [
    ['file', file],
    ['provider', est.provider ?? 'unknown'],
    ['model', est.models.length > 1 ? est.models.map((m) => `${m.model ?? '(none)'} (${int(m.requests)})`).join(', ') : (est.model ?? '(none)')],
    // Every non-blank line, like the validator's count (the status bar's); lines that are not requests are not priced.
    ['requests', `${int(est.requests + est.skippedLines)}${est.skippedLines ? ` (${int(est.skippedLines)} not valid, not counted below)` : ''}`],
    ['input tokens', `${int(est.inputTokens)}${est.tokenMethod === 'exact' ? '' : ' (approx.)'}`],
    ['output tokens', `${int(est.outputTokensTypical)} typical, up to ${int(est.outputTokensMax)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push('');
  if (est.standardCost !== null && est.batchCost !== null) {
    const pct = est.standardCost > 0 ? Math.round(((est.saving ?? 0) / est.standardCost) * 100) : 0;
    const c1 = ['', 'typical', 'at max output'];
    const m = moneyFormat([est.standardCost, est.batchCost, est.standardCostMax, est.batchCostMax], est.currency);
    const t = [
      c1,
      ['standard', m.money(est.standardCost), m.money(est.standardCostMax)],
      ['batch', m.money(est.batchCost), m.money(est.batchCostMax)],
      ['saving', `${m.difference(est.standardCost, est.batchCost)} (${pct}%)`, m.difference(est.standardCostMax, est.batchCostMax)],
    ];
    const w = [0, 1, 2].map((i) => Math.max(...t.map((r) => r[i]!.length)));
    for (const r of t) lines.push(`${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}`);
    lines.push('', `prices in ${est.currency} as of ${est.pricingDate} (${est.pricingSources.join(', ')})`);
  } else {
    lines.push(`cost: unknown (${est.reason ?? 'no price'})`);
  }
  const notes: string[] = [];
  if (est.tokenMethod !== 'exact') notes.push('Claude and Gemini token counts are approximate (1 token per 3.5 characters)');
  if (est.sampledLines !== null) notes.push(`estimated from a sample of ${countOf(est.sampledLines, 'line')}`);
  if (est.defaultedMaxTokens > 0) notes.push(`${countOf(est.defaultedMaxTokens, 'request')} set no output limit: counted at ${int(DEFAULT_MAX_OUTPUT_TOKENS)} tokens max`);
  if (est.skippedLines > 0) notes.push(`${countOf(est.skippedLines, 'line')} ${est.skippedLines === 1 ? 'is' : 'are'} not requests and ${est.skippedLines === 1 ? 'was' : 'were'} not counted (${opts.validateHint ?? 'run batchwise validate'})`);
  for (const n of notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
