import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureChild } from './lib/measureChild';
import { writeOpenAIFile } from './lib/genOpenAI';

/**
 * `batchwise validate` (the built CLI) of a 1,000,000-line / 1.2 GB file against a bare readline + JSON.parse loop
 * holding the same custom_ids in a Set (issue 14): peak RSS and time, both within 1.3x, measured in the same run.
 */
const LINES = 1_000_000;
const LINE_BYTES = 1_230;
const ROUNDS = 2;
const TARGET = 1.3;

export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-validate-1m-'));
  try {
    const file = join(dir, 'big.jsonl');
    const bytes = await writeOpenAIFile(file, LINES, LINE_BYTES);
    console.log(`input: ${LINES.toLocaleString('en-US')} lines, ${(bytes / 1e9).toFixed(2)} GB`);
    const report = join(dir, 'report.json');
    const run = measureChild(report);
    const bare: { ms: number; rssMb: number }[] = [];
    const val: { ms: number; rssMb: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(await run([join(__dirname, 'lib', 'bareIdsChild.cjs'), file], 0));
      // Exit 1: a file this big is over OpenAI's per-batch limits (two errors), which the run reports.
      val.push(await run([join(__dirname, '..', 'dist', 'cli.js'), 'validate', file], 1));
    }
    const best = (xs: { ms: number }[]) => Math.min(...xs.map((x) => x.ms));
    const peak = (xs: { rssMb: number }[]) => Math.min(...xs.map((x) => x.rssMb));
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    const rssRatio = peak(val) / peak(bare);
    const timeRatio = best(val) / best(bare);
    console.log(`bare loop + custom_id Set: ${(best(bare) / 1000).toFixed(2)} s, ${peak(bare).toFixed(0)} MB peak RSS (best of ${ROUNDS})`);
    console.log(`batchwise validate:        ${(best(val) / 1000).toFixed(2)} s, ${peak(val).toFixed(0)} MB peak RSS (best of ${ROUNDS})`);
    console.log(`ratio RSS ${rssRatio.toFixed(2)} (target <= ${TARGET}: ${mark(rssRatio <= TARGET)}), time ${timeRatio.toFixed(2)} (target <= ${TARGET}: ${mark(timeRatio <= TARGET)})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
