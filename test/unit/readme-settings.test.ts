import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

/** The README's settings table says what package.json's configuration really defaults to (issue 13). */
test('README: every setting is in the settings table, with its real default', async () => {
  const readme = await readFile('README.md', 'utf8');
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown }> } } };
  const props = pkg.contributes.configuration.properties;
  const section = readme.slice(readme.indexOf('## Settings'), readme.indexOf('\n## ', readme.indexOf('## Settings') + 5));
  const documented = new Map<string, string>();
  for (const row of section.split('\n').filter((l) => l.startsWith('| `batchwise.'))) {
    const [names, defaults] = row.split(' | ').map((c) => c.replace(/^\| /, ''));
    const keys = names!.split(' / ').map((n) => n.replace(/`/g, ''));
    const values = [...defaults!.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    const full = keys.map((k) => (k.startsWith('.') ? keys[0]!.replace(/\.[^.]+$/, '') + k : k));
    full.forEach((k, i) => documented.set(k, values[i] ?? ""));
  }
  assert.deepEqual([...documented.keys()].sort(), Object.keys(props).sort(), 'the table lists every setting, and no other');
  for (const [key, value] of documented) {
    const d = props[key]!.default;
    const expected = typeof d === 'string' ? (d === '' ? '""' : d) : JSON.stringify(d);
    assert.equal(value, expected, `${key}: README says ${value}, package.json ${JSON.stringify(d)}`);
  }
});
