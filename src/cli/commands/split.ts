import { resolve } from 'node:path';
import { checkInputFile, checkOutputDir } from '../inputFile';
import { readJsonlFile, isBlankLine } from '../../core/jsonl';
import { detectLineProvider } from '../../core/detect';
import { PROVIDER_LIMITS } from '../../core/limits';
import { InvalidUtf8Line, LineTooLarge, RequestOverTokenBudget, planParts, splitFile } from '../../core/split';
import { enqueuedTokenCounter } from '../../core/enqueuedTokens';
import { ProviderIdSchema, type ProviderId } from '../../core/status';
import { EXIT_FAILED, EXIT_OK, UsageError, intOption, parseCommandArgs, printJson, type CliIO } from '../io';

const USAGE = 'split <file> [--max-requests N] [--max-bytes N[KB|MB|GB]] [--max-tokens N] [--provider P] --out-dir DIR [--json]';

/**
 * `batchwise split`: cuts a file into parts that each fit one batch (by request count and bytes; a line is never
 * cut). Limits default to the provider's (detected from the first request line, or --provider).
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'max-requests': { type: 'string' }, 'max-bytes': { type: 'string' }, 'max-tokens': { type: 'string' }, 'out-dir': { type: 'string' }, provider: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one input file\nusage: ${USAGE}`);
  const outDir = values['out-dir'];
  if (!outDir) throw new UsageError(`--out-dir is required\nusage: ${USAGE}`);
  const input = resolve(file);
  await checkInputFile(file);
  await checkOutputDir(outDir, '--out-dir');

  let provider: ProviderId | null = null;
  if (values.provider !== undefined) {
    const parsed = ProviderIdSchema.safeParse(values.provider);
    if (!parsed.success) throw new UsageError(`--provider must be one of ${ProviderIdSchema.options.join(', ')} (got "${values.provider}")`);
    provider = parsed.data;
  } else {
    provider = await detectProvider(input);
  }
  const defaults = PROVIDER_LIMITS[provider ?? 'openai'];
  const maxRequests = intOption(values['max-requests'], '--max-requests', 1) ?? defaults.maxRequests;
  const maxBytes = values['max-bytes'] === undefined ? defaults.maxBytes : parseBytes(values['max-bytes']);
  // An enqueued-token budget per part (OpenAI's per-model quota, say): input tokens plus each line's max_tokens.
  const budget = intOption(values['max-tokens'], '--max-tokens', 1);
  const maxTokens = budget === undefined ? undefined : { budget, of: await enqueuedTokenCounter(provider) };

  let plans;
  try {
    plans = await planParts(input, { maxRequests, maxBytes, ...(defaults.maxEmbeddingInputs ? { maxEmbeddingInputs: defaults.maxEmbeddingInputs } : {}), ...(maxTokens ? { maxTokens } : {}) }, { signal: io.signal });
  } catch (err) {
    if (err instanceof LineTooLarge || err instanceof InvalidUtf8Line || err instanceof RequestOverTokenBudget) {
      io.err(`${file}:${err.line}: ${err.message}\n`);
      return EXIT_FAILED;
    }
    throw err;
  }
  if (plans.length === 0) {
    io.err(`${file}: the file has no requests, nothing to split: it needs one JSON request per line (see: batchwise validate ${file})\n`);
    return EXIT_FAILED;
  }
  const files = await splitFile(input, resolve(outDir), { maxRequests, maxBytes }, { signal: io.signal, plans });
  const parts = plans.map((p, i) => ({ path: files[i]!, lineStart: p.lineStart, lineEnd: p.lineEnd, requests: p.requests, bytes: p.bytes, ...(p.tokens !== undefined ? { tokens: p.tokens } : {}) }));
  if (values.json) {
    printJson(io, { file: input, provider, maxRequests: finite(maxRequests), maxBytes: finite(maxBytes), ...(budget !== undefined ? { maxTokens: budget } : {}), parts });
  } else {
    io.out(`${file}: ${parts.reduce((n, p) => n + p.requests, 0)} requests -> ${parts.length} part(s)\n`);
    for (const p of parts) io.out(`  ${p.path}  lines ${p.lineStart}-${p.lineEnd}, ${p.requests} requests, ${p.bytes} bytes${p.tokens !== undefined ? `, ${p.tokens} tokens` : ''}\n`);
  }
  return EXIT_OK;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

async function detectProvider(path: string): Promise<ProviderId | null> {
  for await (const l of readJsonlFile(path)) {
    if (isBlankLine(l.text)) continue;
    try {
      return detectLineProvider(JSON.parse(l.text));
    } catch {
      return null;
    }
  }
  return null;
}

/** `1000`, `500KB`, `200MB`, `1.5GB` (binary multiples, as the providers' limits are). */
export function parseBytes(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i.exec(raw);
  if (!m) throw new UsageError(`--max-bytes must be a size like 1000, 500KB, 200MB or 1.5GB, got "${raw}"`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1) throw new UsageError(`--max-bytes must be at least 1 byte, got "${raw}"`);
  return n;
}
