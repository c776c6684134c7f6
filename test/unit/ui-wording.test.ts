import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { countOf, statusText } from '../../src/core/format';

const ROOT = join(__dirname, '..', '..');
/** Code whose strings reach the VS Code UI (notifications, pickers, tree, webview, estimate text). */
const UI_SOURCES = ['src/extension', 'src/webview', 'src/core/jobs/treeModel.ts', 'src/core/jobs/notify.ts', 'src/core/estimate.ts', 'src/core/results', 'src/jobs', 'src/providers'];

function files(rel: string): string[] {
  const abs = join(ROOT, rel);
  if (statSync(abs).isFile()) return [abs];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(abs, f));
}

/** String literals with prose in them (a space), outside comments. */
function proseLiterals(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const file of UI_SOURCES.flatMap(files)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
      for (const m of line.matchAll(/(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1/g)) if (m[2]!.includes(' ')) out.push({ file, text: m[2]! });
    }
  }
  return out;
}

describe('UI wording', () => {
  it('one spelling: "canceled" in every message (the stored status value stays `cancelled`)', () => {
    const bad = proseLiterals().filter((l) => /\bcancell(ed|ing)\b/i.test(l.text));
    assert.deepEqual(bad, []);
    assert.equal(statusText('cancelled'), 'canceled');
    assert.equal(statusText('cancelling'), 'canceling');
    assert.equal(statusText('in_progress'), 'in progress');
  });

  it('no "line(s)" placeholders: counts agree with their noun', () => {
    const bad = proseLiterals().filter((l) => /(^|\s)[a-z]+\((s|es)\)($|[\s,.;:!?])/.test(l.text));
    assert.deepEqual(bad, []);
    assert.equal(countOf(1, 'line'), '1 line');
    assert.equal(countOf(2, 'line'), '2 lines');
    assert.equal(countOf(1, 'retry', 'retries'), '1 retry');
    assert.equal(countOf(12_000, 'job'), '12,000 jobs');
    assert.equal(countOf(0, 'job'), '0 jobs');
  });
});
