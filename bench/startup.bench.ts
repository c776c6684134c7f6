import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Start-up of the built CLI and extension (issue 14), against bare Node start-up (`node -e ''`) measured in the
 * same run, interleaved so load on the machine hits every figure alike. Run on the production build (what ships).
 */
const ROUNDS = 11;
const TARGET_RATIO = 2;
const TARGET_RSS_MB = 70;
const TARGET_ACTIVATE_MS = 50;

const root = join(__dirname, '..');
const exitReport = join(__dirname, 'lib', 'exitReport.cjs');

interface Sample {
  ms: number;
  rssMb: number;
  vendor: string[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-startup-'));
  try {
    const file = join(dir, 'one.jsonl');
    await writeFile(file, JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } }) + '\n');
    const env = { ...process.env, BATCHWISE_HOME: dir, BW_EXIT_REPORT: join(dir, 'report.json') };

    /** One process, timed from spawn to exit, with the same exit-report preload for every command (bare Node too). */
    const run = async (args: string[]): Promise<Sample> => {
      const t = performance.now();
      const r = spawnSync(process.execPath, ['-r', exitReport, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim()}`);
      const rep = JSON.parse(await readFile(env.BW_EXIT_REPORT, 'utf8')) as { maxRssMb: number; vendor: string[] };
      return { ms, rssMb: rep.maxRssMb, vendor: rep.vendor };
    };
    const activate = () => {
      const r = spawnSync(process.execPath, [join(__dirname, 'lib', 'activateChild.cjs')], { env: { ...process.env, BATCHWISE_HOME: dir }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`activate: ${r.stderr.trim()}`);
      return JSON.parse(r.stdout) as { loadMs: number; activateMs: number; totalMs: number; errors: string[]; vendor: string[]; navigatorReads: string[] };
    };

    const cases: Record<string, string[]> = {
      "node -e ''": ['-e', ''],
      'batchwise --help': [join(root, 'dist', 'cli.js'), '--help'],
      'batchwise validate (1 line)': [join(root, 'dist', 'cli.js'), 'validate', file],
    };
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    const activations: ReturnType<typeof activate>[] = [];
    await run(cases["node -e ''"]!); // warm the file cache
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, args] of Object.entries(cases)) samples[name]!.push(await run(args));
      activations.push(activate());
    }

    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    const bare = median(samples["node -e ''"]!.map((s) => s.ms));
    const bareRss = median(samples["node -e ''"]!.map((s) => s.rssMb));
    console.log(`median of ${ROUNDS} runs each, interleaved`);
    console.log(`node -e '':                  ${bare.toFixed(0)} ms, ${bareRss.toFixed(0)} MB RSS (baseline)`);
    for (const name of Object.keys(cases).slice(1)) {
      const ms = median(samples[name]!.map((s) => s.ms));
      const rss = Math.max(...samples[name]!.map((s) => s.rssMb));
      const vendor = [...new Set(samples[name]!.flatMap((s) => s.vendor))];
      console.log(
        `${`${name}:`.padEnd(29)}${ms.toFixed(0)} ms = ${(ms / bare).toFixed(2)}x bare (target <= ${TARGET_RATIO}: ${mark(ms / bare <= TARGET_RATIO)}), ` +
          `peak ${rss.toFixed(0)} MB RSS (target < ${TARGET_RSS_MB}: ${mark(rss < TARGET_RSS_MB)}); vendor files loaded: ${vendor.join(', ') || 'none'}`,
      );
    }
    const total = median(activations.map((a) => a.totalMs));
    const load = median(activations.map((a) => a.loadMs));
    const act = median(activations.map((a) => a.activateMs));
    const problems = [...new Set(activations.flatMap((a) => [...a.errors, ...a.navigatorReads.map((n) => `navigator read ${n}`)]))];
    console.log(
      `extension: require dist/extension.js ${load.toFixed(0)} ms + activate ${act.toFixed(0)} ms = ${total.toFixed(0)} ms = ${(total / bare).toFixed(2)}x bare Node start-up ` +
        `(target < ${TARGET_ACTIVATE_MS} ms: ${mark(total < TARGET_ACTIVATE_MS)}); vendor files loaded: ${[...new Set(activations.flatMap((a) => a.vendor))].join(', ') || 'none'}`,
    );
    if (problems.length) console.log(`extension problems at activation: ${problems.join('; ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
