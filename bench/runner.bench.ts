import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator';
import { runBatch } from '../src/runner/runner';

const REQUESTS = 3000;
const CONCURRENCY = 16;
const ROUNDS = 5;

/** The self-hosted runner's throughput vs a bare concurrent fetch loop at the same concurrency, against the emulator. */
export default async function bench(): Promise<void> {
  const emu = await startEmulator({ port: 0, log: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-run-'));
  try {
    const lines = Array.from({ length: REQUESTS }, (_, i) =>
      JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: `Summarize item ${i}` }], max_tokens: 20 } }),
    );
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines.join('\n') + '\n');
    const url = `${emu.url}/v1/chat/completions`;

    const bare = async () => {
      let next = 0;
      const worker = async () => {
        while (next < lines.length) {
          const line = JSON.parse(lines[next++]!) as { body: unknown };
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(line.body) });
          await res.text();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    const runner = async (i: number) => {
      await runBatch({ inputPath: input, outPath: join(dir, `out-${i}.jsonl`), baseUrl: `${emu.url}/v1`, apiKey: 'k', concurrency: CONCURRENCY });
    };
    // Warm up both (server, connection pool, JIT) before timing either.
    await bare();
    await runner(-1);
    const time = async (fn: () => Promise<void>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const bareMs: number[] = [];
    const runMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareMs.push(await time(bare));
      runMs.push(await time(() => runner(i)));
    }
    const best = (xs: number[]) => Math.min(...xs);
    const bareRps = REQUESTS / (best(bareMs) / 1000);
    const runRps = REQUESTS / (best(runMs) / 1000);
    console.log(`runner: ${REQUESTS} requests, concurrency ${CONCURRENCY}, emulator with no latency (best of ${ROUNDS})`);
    console.log(`  bare fetch loop  ${bareRps.toFixed(0)} req/s`);
    console.log(`  batchwise run    ${runRps.toFixed(0)} req/s (node:http keep-alive; writes every result as it arrives)`);
    console.log(`  ratio runner/bare ${(runRps / bareRps).toFixed(2)}x (target >= 0.9x)`);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}
