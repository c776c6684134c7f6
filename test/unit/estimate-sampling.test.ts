// Sampling past the exact budget goes by text position (issue 14): one huge line is sampled in proportion to its
// size. Scaled down from the report (a 200 MB file with one 50 MB line, 11% under): 400 short prose lines and one
// line holding a quarter of the text, of much denser tokens (numbers), that a one-line-in-N sample skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateFile } from '../../src/core/estimate';

const WORDS = ['the', 'order', 'shipped', 'late', 'because', 'of', 'weather', 'and', 'customer', 'asked', 'for', 'a', 'refund'];
const chat = (id: string, content: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 10 } });

test('a single huge line is counted: the sampled estimate stays within 3% of the exact count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-est-sample-'));
  try {
    const lines = Array.from({ length: 400 }, (_, i) => chat(`r${i}`, Array.from({ length: 40 }, (_, j) => WORDS[(i * 5 + j * 3) % WORDS.length]).join(' ')));
    let seed = 12345;
    const numbers = Array.from({ length: 5000 }, () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 1000003).toString()).join(' ');
    // Line 123: not a multiple of any line stride, and well past the exact budget.
    lines.splice(123, 0, chat('huge', numbers));
    const path = join(dir, 'in.jsonl');
    await writeFile(path, lines.join('\n') + '\n');

    const exact = await estimateFile(path);
    assert.equal(exact.sampledLines, null);
    const sampled = await estimateFile(path, { exactChars: 2000, sampleStride: 5, sampleWindowChars: 200 });
    assert.ok(sampled.sampledLines !== null && sampled.sampledLines < 401, `sampled lines: ${sampled.sampledLines}`);
    const err = (sampled.inputTokens - exact.inputTokens) / exact.inputTokens;
    assert.ok(Math.abs(err) < 0.03, `sampled ${sampled.inputTokens} vs exact ${exact.inputTokens} (${(err * 100).toFixed(1)}%)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
