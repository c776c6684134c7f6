import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { validateFile, errorCount } from '../src/core/validate';
import { writeOpenAIFile } from './lib/genOpenAI';

const LINES = 50_000;
const LINE_BYTES = 2_130; // ~100 MB in all
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 200;

/** `validate` vs a bare readline + JSON.parse loop over the same 50,000-line ~100 MB file; plus peak RSS. */
export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-validate-'));
  const file = join(dir, 'big.jsonl');
  try {
    const bytes = await writeOpenAIFile(file, LINES, LINE_BYTES);
    console.log(`input: ${LINES.toLocaleString('en-US')} lines, ${(bytes / 1024 / 1024).toFixed(1)} MB (${file})`);

    const bare = async () => {
      let n = 0;
      for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
        if (line) {
          JSON.parse(line);
          n++;
        }
      }
      return n;
    };
    const validate = async () => {
      const r = await validateFile(file);
      if (errorCount(r) > 0) throw new Error(`the generated file should be valid: ${r.diagnostics[0]?.message}`);
      return r.requests;
    };
    const time = async (fn: () => Promise<number>) => {
      const t = performance.now();
      const n = await fn();
      if (n !== LINES) throw new Error(`expected ${LINES} requests, got ${n}`);
      return performance.now() - t;
    };
    await bare(); // warm the page cache and the JIT alike for both
    await validate();
    const bareMs: number[] = [];
    const valMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      bareMs.push(await time(bare));
      valMs.push(await time(validate));
    }
    const bestBare = Math.min(...bareMs);
    const bestVal = Math.min(...valMs);
    const ratio = bestVal / bestBare;

    const child = promisify(execFile);
    const runChild = async (script: string) => {
      const { stdout } = await child(process.execPath, ['--import', 'tsx', join(__dirname, 'lib', script), file], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number };
    };
    const valChild = await runChild('validateChild.ts');
    const bareChild = await runChild('bareChild.ts');

    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    console.log(`bare readline + JSON.parse: best ${bestBare.toFixed(0)} ms of [${bareMs.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`validateFile:               best ${bestVal.toFixed(0)} ms of [${valMs.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`ratio validate / bare: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}: ${mark(ratio <= TARGET_RATIO)})`);
    console.log(`peak RSS, validateFile in its own process: ${valChild.maxRssMb.toFixed(0)} MB (target <= ${TARGET_RSS_MB}: ${mark(valChild.maxRssMb <= TARGET_RSS_MB)}); bare loop process: ${bareChild.maxRssMb.toFixed(0)} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
