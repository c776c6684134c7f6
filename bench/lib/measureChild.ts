import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Runs `node ARGS` with exitReport.cjs preloaded and returns its wall time and peak RSS (written by the child at
 * exit to `report`); a child that does not exit with `okStatus` fails the bench with its stderr.
 */
export function measureChild(report: string): (args: string[], okStatus: number) => Promise<{ ms: number; rssMb: number }> {
  return async (args, okStatus) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['-r', join(__dirname, 'exitReport.cjs'), ...args], { env: { ...process.env, BW_EXIT_REPORT: report }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t;
    if (r.status !== okStatus) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
    return { ms, rssMb: (JSON.parse(await readFile(report, 'utf8')) as { maxRssMb: number }).maxRssMb };
  };
}
