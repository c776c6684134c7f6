import { resolve, basename, dirname, join } from 'node:path';
import { checkInputFile, checkOutputFile } from '../inputFile';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, intOption, parseCommandArgs, type CliIO } from '../io';
import { runBatch, type RunProgress } from '../../runner/runner';
import { validateFile } from '../../core/validate';
import { readJsonlFile } from '../../core/jsonl';
import { API_KEY_ENV } from '../../providers/env';
import { vllmRunBatchCommand } from '../../runner/vllm';
import { createHash } from 'node:crypto';
import { writeTarget } from '../../core/fsAtomic';
import { describeOwner, tryLock } from '../../core/lockFile';
import { cliStore } from '../../jobs/providerForJob';
import { baseUrlProblem } from '../../core/baseUrl';
import { countOf } from '../../core/format';

const USAGE = 'batchwise run <file> --base-url URL [--concurrency N] [--out FILE]';

/** Runs a batch file against a self-hosted OpenAI-compatible server; resumable by running it again. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'base-url': { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one input file\nusage: ${USAGE}`);
  const baseUrl = values['base-url'];
  if (!baseUrl) throw new UsageError(`--base-url is required, e.g. --base-url http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama)\nusage: ${USAGE}`);
  const urlProblem = baseUrlProblem(baseUrl);
  if (urlProblem) throw new UsageError(`--base-url ${urlProblem}`);
  const concurrency = intOption(values.concurrency, '--concurrency', 1, 1024) ?? 8;
  const input = resolve(file);
  await checkInputFile(file);
  const out = resolve(values.out ?? join(dirname(input), basename(input).replace(/\.jsonl$/i, '') + '.output.jsonl'));
  if (out === input) throw new UsageError('--out must differ from the input file');
  await checkOutputFile(out, '--out');

  const checked = await validateFile(input, { provider: 'local' });
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors.slice(0, 20)) io.err(`${file}:${d.line}:${d.column}: error ${d.code}: ${d.message}\n`);
    io.err(`${errors.length} error(s): fix them first (batchwise validate ${file})\n`);
    return EXIT_FAILED;
  }

  const apiKey = io.env[API_KEY_ENV.local!] || undefined;
  let lastDraw = 0;
  let lastLogged = -1;
  const onProgress = (p: RunProgress) => {
    if (values.json) return;
    const now = Date.now();
    if (io.isTTY && now - lastDraw < 100 && p.done < p.total) return;
    lastDraw = now;
    const line = progressLine(p);
    if (io.isTTY) io.err(`\r${line}\u001b[K`);
    else if ((p.done === p.total || p.done % 100 === 0) && p.done !== lastLogged) {
      // A log (not a terminal) gets each milestone once.
      lastLogged = p.done;
      io.err(line + '\n');
    }
  };
  if (!values.json) {
    io.err(`Sending ${checked.requests} requests to ${baseUrl} (concurrency ${concurrency}) -> ${out}\n`);
    if (checked.model) io.err(`Offline alternative: ${vllmRunBatchCommand(input, out, checked.model)}\n`);
  }
  // Two runs appending to one output would each send every request: the second one stops here.
  const realOut = (await writeTarget(out)).path;
  const lock = await tryLock(cliStore(io.env).lockPath(`run-${createHash('sha256').update(realOut).digest('hex').slice(0, 32)}`), `run --out ${realOut}`);
  if ('heldBy' in lock) throw new CliError(`another batchwise run is writing ${out} (${describeOwner(lock.heldBy)}): wait for it to finish or stop it, or give another --out. Running both would send every request twice.`, EXIT_USAGE);
  let summary;
  try {
    summary = await runBatch({ inputPath: input, outPath: out, baseUrl, apiKey, concurrency, total: checked.requests, signal: io.signal, onProgress });
  } finally {
    await lock.release();
  }
  if (io.isTTY && !values.json) io.err('\n');
  if (values.json) {
    io.out(JSON.stringify({ file: input, out, total: summary.total, succeeded: summary.succeeded, failed: summary.failed, skipped: summary.skipped, cancelled: summary.cancelled }, null, 2) + '\n');
  } else {
    const resumed = summary.skipped > 0 ? `, ${summary.skipped} already answered (resumed)` : '';
    const dropped = summary.corruptDropped;
    if (dropped > 0) io.err(`batchwise: ${out} had ${countOf(dropped, 'corrupt line')} (not a result): dropped, and ${dropped === 1 ? 'its request' : 'their requests'} sent again.\n`);
    io.out(`${summary.cancelled ? 'Cancelled' : 'Done'}: ${summary.succeeded} succeeded, ${summary.failed} failed${resumed} -> ${out}\n`);
    if (summary.cancelled) io.out(`Run the same command again to resume.\n`);
  }
  if (summary.failed > 0 && summary.succeeded === 0 && !summary.cancelled) {
    // Every line failed the same way, most often a server that is not there: say why, not only how many.
    const first = await firstError(out);
    io.err(`every request failed${first ? `; the first error: ${first}` : ''}. Check that the server at ${baseUrl} is running and serves the model, then run the same command again: failed lines are sent again.\n`);
  }
  return summary.failed > 0 || summary.cancelled ? EXIT_FAILED : EXIT_OK;
}

/** The message of the first errored line of a run's output file, if there is one. */
async function firstError(outPath: string): Promise<string | undefined> {
  try {
    for await (const l of readJsonlFile(outPath)) {
      let parsed: { error?: { message?: unknown } | null; response?: { status_code?: unknown; body?: { error?: { message?: unknown } | string } } | null };
      try {
        parsed = JSON.parse(l.text) as typeof parsed;
      } catch {
        continue;
      }
      if (typeof parsed.error?.message === 'string') return parsed.error.message.replace(/\.$/, '');
      // The server answered with an HTTP error: the line carries its status and body (OpenAI batch output format).
      const status = parsed.response?.status_code;
      if (typeof status === 'number' && status >= 400) {
        const body = parsed.response?.body;
        const detail = typeof body === 'object' && typeof body?.error === 'object' && typeof body.error.message === 'string' ? body.error.message : JSON.stringify(body ?? null).slice(0, 200);
        return `HTTP ${status}: ${detail.replace(/\.$/, '')}`;
      }
    }
  } catch {
    // The output cannot be read: the counts already said what happened.
  }
  return undefined;
}

function progressLine(p: RunProgress): string {
  const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
  const width = 24;
  const filled = Math.round((pct / 100) * width);
  const eta = p.etaSeconds === null ? '' : ` · ETA ${formatSeconds(p.etaSeconds)}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${p.done}/${p.total} · ${p.failed} failed · ${p.requestsPerSec.toFixed(1)} req/s · ${Math.round(p.tokensPerSec)} tok/s${eta}`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
