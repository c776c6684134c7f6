import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonlFile, isBlankLine } from '../src/core/jsonl';
import { joinResults } from '../src/core/results/join';
import { mergeChain } from '../src/core/results/merge';
import { RowQuery } from '../src/core/results/rowQuery';
import type { ProviderResult, ResultRecord } from '../src/core/results/record';
import type { Job } from '../src/core/jobs/job';

const LINES = 50_000;

/** Samples heap and RSS while `fn` runs; returns the peak above the level at the start. */
async function withPeak<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; heapMb: number; rssMb: number }> {
  const start = process.memoryUsage();
  let heap = start.heapUsed;
  let rss = start.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  }, 5);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  clearInterval(timer);
  const m = process.memoryUsage();
  heap = Math.max(heap, m.heapUsed);
  rss = Math.max(rss, m.rss);
  return { value, ms, heapMb: (heap - start.heapUsed) / 2 ** 20, rssMb: (rss - start.rss) / 2 ** 20 };
}

function shuffled<T>(xs: T[]): T[] {
  const a = [...xs];
  let s = 42;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * The join of 50,000 provider results (shuffled, as providers return them) against their input lines,
 * against a bare `Map` join doing the same reading and writing in the same run; and the time to build the
 * panel's first page of rows from the joined file.
 */
export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-results-'));
  try {
    const input = join(dir, 'input.jsonl');
    const lines = Array.from({ length: LINES }, (_, i) =>
      JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Translate to French.' }, { role: 'user', content: `Sentence number ${i}: the quick brown fox jumps over the lazy dog.` }] } }),
    );
    await writeFile(input, lines.join('\n') + '\n');
    const results: ProviderResult[] = shuffled(
      Array.from({ length: LINES }, (_, i): ProviderResult => {
        const text = `Phrase numéro ${i} : le renard brun rapide saute par-dessus le chien paresseux.`;
        const usage = { inputTokens: 31, outputTokens: 22 };
        const raw = { id: `batch_req_${i}`, custom_id: `req-${i}`, response: { status_code: 200, request_id: `r${i}`, body: { id: `chatcmpl-${i}`, object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 31, completion_tokens: 22, total_tokens: 53 } } }, error: null };
        return i % 50 === 7 ? { customId: `req-${i}`, outcome: 'errored', raw, errorCode: 'server_error', errorMessage: 'The server had an error' } : { customId: `req-${i}`, outcome: 'succeeded', outputText: text, raw, usage };
      }),
    );

    // The baseline: index the results in a Map, stream the input, look each line up, write the records.
    const bare = async (out: string) => {
      const byId = new Map<string, ProviderResult>();
      for (const r of results) byId.set(r.customId, r);
      const chunks: string[] = [];
      for await (const l of readJsonlFile(input)) {
        if (isBlankLine(l.text)) continue;
        const id = (JSON.parse(l.text) as { custom_id: string }).custom_id;
        const r = byId.get(id);
        const rec: ResultRecord = r
          ? { customId: id, line: l.line, outcome: r.outcome, outputText: r.outputText, raw: r.raw, errorCode: r.errorCode, errorMessage: r.errorMessage, usage: r.usage, jobId: 'j', attempt: 1 }
          : { customId: id, line: l.line, outcome: 'missing', jobId: 'j', attempt: 1 };
        chunks.push(JSON.stringify(rec) + '\n');
      }
      await writeFile(out, chunks.join(''));
    };
    const ours = async (out: string) => joinResults({ inputPath: input, outPath: out, results, jobId: 'j', attempt: 1 });

    await bare(join(dir, 'warm-bare.jsonl'));
    await ours(join(dir, 'warm-ours.jsonl'));
    const bareRuns: Awaited<ReturnType<typeof withPeak>>[] = [];
    const ourRuns: Awaited<ReturnType<typeof withPeak>>[] = [];
    for (let i = 0; i < 3; i++) {
      bareRuns.push(await withPeak(() => bare(join(dir, `bare-${i}.jsonl`))));
      ourRuns.push(await withPeak(() => ours(join(dir, `ours-${i}.jsonl`))));
    }
    const best = (runs: { ms: number }[]) => Math.min(...runs.map((r) => r.ms));
    const peak = (runs: { heapMb: number; rssMb: number }[], k: 'heapMb' | 'rssMb') => Math.max(...runs.map((r) => r[k]));
    const b = best(bareRuns);
    const o = best(ourRuns);
    console.log(`results join: ${LINES} results (shuffled) against ${LINES} input lines, records written to disk (best of 3)`);
    console.log(`  bare Map join     ${b.toFixed(0)} ms   peak heap +${peak(bareRuns, 'heapMb').toFixed(0)} MB, rss +${peak(bareRuns, 'rssMb').toFixed(0)} MB`);
    console.log(`  batchwise join    ${o.toFixed(0)} ms   peak heap +${peak(ourRuns, 'heapMb').toFixed(0)} MB, rss +${peak(ourRuns, 'rssMb').toFixed(0)} MB (atomic write, summary, duplicates)`);
    console.log(`  ratio ${(o / b).toFixed(2)}x (target within 2x, under 1000 ms)`);

    // The panel: merge the joined file into rows, then the first page, and a page of a filtered, searched view.
    const now = new Date().toISOString();
    const job: Job = {
      version: 1, id: 'bw-bench', name: 'bench', provider: 'openai', profile: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini',
      inputPath: input, inputSha256: '', inputLines: LINES, requests: LINES, parts: [], attempt: 1, status: 'completed', createdAt: now, updatedAt: now,
      resultsPath: join(dir, 'ours-0.jsonl'),
    };
    const merged = await withPeak(() => mergeChain(job, [job]));
    const q = new RowQuery(merged.value.rows, input);
    const t1 = performance.now();
    const first = await q.page({ filter: 'all', search: '', sort: { key: 'line', dir: 'asc' } }, 0, 200);
    const firstMs = performance.now() - t1;
    const t2 = performance.now();
    const failed = await q.page({ filter: 'failed', search: 'req-4', sort: { key: 'customId', dir: 'desc' } }, 0, 200);
    const failedMs = performance.now() - t2;
    const t3 = performance.now();
    const found = await q.page({ filter: 'all', search: 'renard', sort: { key: 'tokens', dir: 'desc' } }, 0, 200);
    const searchMs = performance.now() - t3;
    console.log(`results panel: ${merged.value.rows.length} rows`);
    console.log(`  load (merge results.jsonl with the input)  ${merged.ms.toFixed(0)} ms, peak heap +${merged.heapMb.toFixed(0)} MB`);
    console.log(`  first page of ${first.rows.length} rows       ${firstMs.toFixed(1)} ms (time to first page incl. load: ${(merged.ms + firstMs).toFixed(0)} ms)`);
    console.log(`  filter failed + search + sort (${failed.total} rows)  ${failedMs.toFixed(1)} ms; full-text search over all rows (whole input and output texts, read from disk: ${found.total} found) ${searchMs.toFixed(1)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
