// Runs every bench/*.bench.ts in sequence (each exports `default async function(): Promise<void>` that prints its figures).
// `npm run bench -- validate` runs only the files whose name contains "validate".
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

async function main(): Promise<void> {
  const dir = __dirname;
  const filter = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
    .sort();
  let failed = 0;
  for (const f of files) {
    console.log(`\n## ${f}`);
    const t = performance.now();
    try {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: unknown };
      // tsx may wrap a CommonJS-compiled default export once more.
      const fn = typeof mod.default === 'function' ? mod.default : (mod.default as { default?: unknown } | undefined)?.default;
      if (typeof fn !== 'function') throw new Error('no default export function');
      await (fn as () => Promise<void>)();
    } catch (err) {
      failed++;
      console.error(`${f} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    console.log(`(${f}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  if (failed) process.exitCode = 1;
}

void main();
