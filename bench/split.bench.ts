import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOpenAIFile } from './lib/genOpenAI';
import { measureChild } from './lib/measureChild';

const LINES = Number(process.env.BENCH_SPLIT_LINES ?? 1_000_000);

/**
 * Issue 18: planning the parts of a 1,000,000-line file, by count and bytes and then with an enqueued-token budget
 * (every line's input tokens counted exactly), against a bare streaming pass over the same file in the same run.
 * Each in its own process (tsx loaded in all three), peak RSS at exit.
 */
export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-split-'));
  try {
    const file = join(dir, 'big.jsonl');
    const bytes = await writeOpenAIFile(file, LINES, 300);
    console.log(`input: ${LINES.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(0)} MB`);
    const run = measureChild(join(dir, 'report.json'));
    const child = (mode: string) => run(['--import', 'tsx', join(__dirname, 'lib', 'planChild.ts'), file, mode], 0);
    const bare = await child('bare');
    const plan = await child('plan');
    const tokens = await child('tokens');
    console.log(`  bare streaming pass         ${bare.ms.toFixed(0)} ms, peak RSS ${bare.rssMb.toFixed(0)} MB`);
    console.log(`  plan by count and bytes     ${plan.ms.toFixed(0)} ms (${(plan.ms / bare.ms).toFixed(2)}x), peak RSS ${plan.rssMb.toFixed(0)} MB (${(plan.rssMb / bare.rssMb).toFixed(2)}x)`);
    console.log(`  plan with a token budget    ${tokens.ms.toFixed(0)} ms (${(tokens.ms / bare.ms).toFixed(2)}x), peak RSS ${tokens.rssMb.toFixed(0)} MB (${(tokens.rssMb / bare.rssMb).toFixed(2)}x)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
