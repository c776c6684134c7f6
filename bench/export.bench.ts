import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeOpenAIFile } from './lib/genOpenAI';
import { PROBE, finishedLocalJob, writeProbe } from './results-memory.bench';

const TARGET_RATIO = 1.5;
const SIZE = Number(process.env.BENCH_EXPORT_LINES ?? 500_000);

/**
 * Issue 15 "Streaming": peak RSS of `batchwise export JOB --to x.sqlite` and `--to x.parquet` for a 500,000-line
 * job, each in its own process, against `batchwise results JOB --out x.jsonl` (the streaming JSONL export) on the
 * same job in the same run. Target: within 1.5x of it.
 */
export default async function bench(): Promise<void> {
  const child = promisify(execFile);
  const cli = join(__dirname, '..', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-export-'));
  const measure = async (home: string, args: string[]) => {
    const t = performance.now();
    const { stderr } = await child(process.execPath, ['--require', await writeProbe(PROBE), cli, ...args], { env: { ...process.env, BATCHWISE_HOME: home }, maxBuffer: 1 << 20 });
    const line = stderr.split('\n').find((l) => l.startsWith('@@'));
    if (!line) throw new Error(`no figures from the child: ${stderr}`);
    return { ms: performance.now() - t, ...(JSON.parse(line.slice(2)) as { maxRssMb: number }) };
  };
  try {
    const input = join(dir, 'input.jsonl');
    await writeOpenAIFile(input, SIZE, 420);
    const home = join(dir, 'home');
    const id = await finishedLocalJob(home, input, SIZE);
    // Downloads (joins) the results once, so every run below reads the same results.jsonl.
    const base = await measure(home, ['results', id, '--out', join(dir, 'base.jsonl')]);
    const again = await measure(home, ['results', id, '--out', join(dir, 'base2.jsonl')]);
    console.log(`export of ${SIZE.toLocaleString('en-US')} lines (1 in 50 an error):`);
    console.log(`  results --out x.jsonl   peak RSS ${again.maxRssMb.toFixed(0)} MB, ${again.ms.toFixed(0)} ms (baseline; first run with the join: ${base.maxRssMb.toFixed(0)} MB)`);
    for (const ext of ['sqlite', 'parquet', 'jsonl']) {
      const out = join(dir, `out.${ext}`);
      const r = await measure(home, ['export', id, '--to', out]);
      const ratio = r.maxRssMb / again.maxRssMb;
      const mb = (await stat(out)).size / 1024 / 1024;
      console.log(`  export --to x.${ext.padEnd(7)} peak RSS ${r.maxRssMb.toFixed(0)} MB, ${r.ms.toFixed(0)} ms, ${mb.toFixed(0)} MB file; ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void bench();
