import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The lowest major a semver range like ">=20", ">=20.0.0" or "^20.9.0 || >=22" allows (0 when it says nothing). */
function lowestMajor(range: string | undefined): number {
  if (!range) return 0;
  return Math.min(...range.split('||').map((part) => Number(/(\d+)/.exec(part)?.[1] ?? 0)));
}

/**
 * Issue 11: package.json's `engines.node` matches what the runtime dependencies require. Every dependency (and
 * what it pulls in at run time) must run on the Node version Batchwise says it needs, which is the one CI runs.
 */
test('engines.node is what every runtime dependency allows, and the Node running the tests', async () => {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };
  const ours = lowestMajor(pkg.engines.node);
  const seen = new Set<string>();
  // Node's lookup: node_modules/<name> in the dependent's folder, then in each folder above it.
  const locate = (name: string, fromDir: string): string | undefined => {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) return undefined;
    }
  };
  const visit = (name: string, fromDir: string) => {
    const path = locate(name, fromDir);
    if (!path || seen.has(path)) return; // an optional dependency not installed
    seen.add(path);
    const dep = JSON.parse(readFileSync(path, 'utf8')) as { engines?: { node?: string }; dependencies?: Record<string, string> };
    assert.ok(lowestMajor(dep.engines?.node) <= ours, `${name} needs Node ${dep.engines?.node}, package.json says ${pkg.engines.node}`);
    for (const d of Object.keys(dep.dependencies ?? {})) visit(d, dirname(path));
  };
  for (const name of Object.keys(pkg.dependencies)) visit(name, process.cwd());
  assert.ok(seen.size > Object.keys(pkg.dependencies).length, 'the dependency tree was walked');
  assert.ok(Number(process.versions.node.split('.')[0]) >= ours, `the tests run on Node ${process.versions.node}, below ${pkg.engines.node}`);
});
