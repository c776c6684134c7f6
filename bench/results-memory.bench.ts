import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeOpenAIFile } from './lib/genOpenAI';
import type { Job } from '../src/core/jobs/job';

const TARGET_RATIO = 1.5;
let probePath: string | undefined;
/** Preloaded into the measured CLI: its peak RSS at exit, taken as every bench child takes it (lib/peakRss.cjs). */
export const PROBE = `const { peakRssMb } = require(${JSON.stringify(join(__dirname, 'lib', 'peakRss.cjs'))}); process.on('exit', () => process.stderr.write('\\n@@' + JSON.stringify({ maxRssMb: peakRssMb() }) + '\\n'));`;
/** A --require script that reports the process's peak RSS when it exits (the CLI's own code is left as it is). */
export async function writeProbe(code: string): Promise<string> {
  probePath ??= join(await mkdtemp(join(tmpdir(), 'bw-bench-probe-')), 'probe.cjs');
  await writeFile(probePath, code);
  return probePath;
}
const TARGET_RSS_MB = 300;
const SIZES = (process.env.BENCH_RESULTS_SIZES ?? '50000,500000').split(',').map(Number);

/** A permutation of 1..n (results come back in the provider's order, not the input's), deterministic. */
function permutation(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i + 1;
  let s = 7;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** The output file of a finished run, in the OpenAI batch output format (as vLLM run-batch writes it), 1 in 50 an error. */
async function writeOutput(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (const i of permutation(n)) {
    const body =
      i % 50 === 7
        ? { error: { message: `Rate limit reached for request ${i}`, type: 'rate_limit_error', code: 'rate_limit_exceeded' } }
        : { id: `chatcmpl-${i}`, object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: `Summary ${i}: revenue grew in the quarter while churn fell; the supplier contract renews in March and the warehouse forecast holds.` }, finish_reason: 'stop' }], usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 } };
    const status = i % 50 === 7 ? 429 : 200;
    const line = JSON.stringify({ id: `batch_req_${i}`, custom_id: `request-${i}`, response: { status_code: status, request_id: `req_${i}`, body }, error: null }) + '\n';
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A finished self-hosted job in a job store, with its run's output file: `batchwise results` reads it like any provider's. */
export async function finishedLocalJob(home: string, input: string, n: number): Promise<string> {
  const id = 'bw-20261203-bench1';
  const runId = 'local-bench';
  const runDir = join(home, 'runs', runId);
  await mkdir(runDir, { recursive: true });
  const now = new Date().toISOString();
  await writeFile(join(runDir, 'run.json'), JSON.stringify({ id: runId, baseUrl: 'http://127.0.0.1:9/v1', concurrency: 1, total: n, endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', state: 'completed', createdAt: now, endedAt: now }));
  await writeOutput(join(runDir, 'output.jsonl'), n);
  const counts = { total: n, succeeded: n - Math.ceil(n / 50), failed: Math.ceil(n / 50), processing: 0, expired: 0, canceled: 0 };
  const job: Job = {
    version: 1, id, name: 'bench', provider: 'local', profile: 'local', baseUrl: 'http://127.0.0.1:9/v1', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini',
    inputPath: input, inputSha256: 'x', inputLines: n, requests: n, attempt: 1, status: 'completed', createdAt: now, updatedAt: now, finishedAt: now,
    parts: [{ index: 0, remoteId: runId, status: 'completed', lineStart: 1, lineEnd: n, requests: n, counts, errors: [] }],
  };
  await mkdir(join(home, 'jobs', id), { recursive: true });
  await writeFile(join(home, 'jobs', id, 'job.json'), JSON.stringify(job));
  return id;
}

/**
 * Issue 14 "Memory": peak RSS of `batchwise results <job> --out FILE` (download, join by custom_id, merge, export)
 * for 50,000 and 500,000 lines, each in its own process, against a bare streaming join of the same files measured
 * in the same run. Targets: under 300 MB at 500,000 lines, within 1.5x of the bare join.
 */
export default async function bench(): Promise<void> {
  const child = promisify(execFile);
  const bareJoin = async (...args: string[]) => {
    const { stdout } = await child(process.execPath, [join(__dirname, 'lib', 'bareJoin.mjs'), ...args], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number };
  };
  // The built CLI, as a user runs it; `time -v`-like figures from the child's own resource usage.
  const cli = join(__dirname, '..', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  const results = async (home: string, id: string, out: string) => {
    const t = performance.now();
    const { stderr } = await child(process.execPath, ['--require', await writeProbe(PROBE), cli, 'results', id, '--out', out], { env: { ...process.env, BATCHWISE_HOME: home }, maxBuffer: 1 << 20 });
    const line = stderr.split('\n').find((l) => l.startsWith('@@'));
    if (!line) throw new Error(`no figures from the child: ${stderr}`);
    return { ms: performance.now() - t, ...(JSON.parse(line.slice(2)) as { maxRssMb: number }) };
  };
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const help = await child(process.execPath, ['--require', await writeProbe(PROBE), cli, '--help']);
  const startMb = (JSON.parse(help.stderr.split('\n').find((l) => l.startsWith('@@'))!.slice(2)) as { maxRssMb: number }).maxRssMb;
  console.log(`start-up of the CLI alone (batchwise --help): peak RSS ${startMb.toFixed(0)} MB`);
  for (const n of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), 'bw-bench-results-mem-'));
    try {
      const input = join(dir, 'input.jsonl');
      await writeOpenAIFile(input, n, 420);
      const home = join(dir, 'home');
      const id = await finishedLocalJob(home, input, n);
      const bare = await bareJoin(input, join(home, 'runs', 'local-bench', 'output.jsonl'), join(dir, 'bare.jsonl'));
      const ours = await results(home, id, join(dir, 'export.jsonl'));
      const ratio = ours.maxRssMb / bare.maxRssMb;
      const label = n.toLocaleString('en-US');
      console.log(`results of ${label} lines (results in shuffled order, 1 in 50 an error):`);
      console.log(`  bare streaming join     peak RSS ${bare.maxRssMb.toFixed(0)} MB, ${bare.ms.toFixed(0)} ms`);
      console.log(`  batchwise results --out peak RSS ${ours.maxRssMb.toFixed(0)} MB, ${ours.ms.toFixed(0)} ms (download + join + merge + export)`);
      console.log(`  ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}: ${mark(ratio <= TARGET_RATIO)})${n >= 500_000 ? `; ${ours.maxRssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB: ${mark(ours.maxRssMb < TARGET_RSS_MB)})` : ''}`);
    } finally {
      if (process.env.BENCH_KEEP) console.log(`  kept ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  }
}
