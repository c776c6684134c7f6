import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureChild } from './lib/measureChild';
import { once } from 'node:events';

/**
 * `batchwise build` (the built CLI) of a 1,000,000-row CSV (quoted fields with commas and newlines) to OpenAI JSONL
 * plus its sidecar, against a bare csv-parse streaming loop over the same file measured in the same run: peak RSS
 * and time. Memory must stay flat whatever the row count (target: RSS within 2x of the bare loop, which holds nothing).
 */
const ROWS = 1_000_000;
const ROUNDS = 2;
const RSS_TARGET = 2;

async function writeCsv(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write('id,review,stars\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `${i},"Review ${i}: good, ""solid""${i % 10 === 0 ? '\nsecond line' : ''} product ${'x'.repeat(i % 40)}",${i % 5}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-build-'));
  try {
    const file = join(dir, 'reviews.csv');
    const bytes = await writeCsv(file);
    console.log(`input: ${ROWS.toLocaleString('en-US')} rows, ${(bytes / 1e6).toFixed(0)} MB`);
    const report = join(dir, 'report.json');
    const run = measureChild(report);
    const bare: { ms: number; rssMb: number }[] = [];
    const build: { ms: number; rssMb: number }[] = [];
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(await run([join(__dirname, 'lib', 'bareCsvChild.cjs'), file], 0));
      build.push(await run([cli, 'build', file, '--model', 'gpt-4o-mini', '--system', 'Label the review.', '--user', 'Review: {{review}} ({{stars}} stars)', '--out', join(dir, 'out.jsonl')], 0));
    }
    const best = (xs: { ms: number }[]) => Math.min(...xs.map((x) => x.ms));
    const peak = (xs: { rssMb: number }[]) => Math.min(...xs.map((x) => x.rssMb));
    const rssRatio = peak(build) / peak(bare);
    const timeRatio = best(build) / best(bare);
    console.log(`bare csv-parse loop: ${(best(bare) / 1000).toFixed(2)} s, ${peak(bare).toFixed(0)} MB peak RSS (best of ${ROUNDS})`);
    console.log(`batchwise build:     ${(best(build) / 1000).toFixed(2)} s, ${peak(build).toFixed(0)} MB peak RSS (best of ${ROUNDS})`);
    console.log(`ratio RSS ${rssRatio.toFixed(2)} (target <= ${RSS_TARGET}: ${rssRatio <= RSS_TARGET ? 'ok' : 'MISSED'}), time ${timeRatio.toFixed(2)} (rendering, hashing and writing two files per row)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
