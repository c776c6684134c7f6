import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineTooLarge, planParts, readPartLines, splitFile } from '../../src/core/split';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-split-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(content: string | Buffer): Promise<string> {
  const path = join(dir, `in-${n++}.jsonl`);
  await writeFile(path, content);
  return path;
}

const line = (id: string, pad = '') => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: `hi ${pad}` }] } });

async function collect(path: string, plan: Parameters<typeof readPartLines>[1]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readPartLines(path, plan)) out.push(l);
  return out;
}

describe('split: planParts / readPartLines / splitFile', () => {
  it('splits by request count', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => line(`r${i}`));
    const path = await file(lines.join('\n') + '\n');
    const plans = await planParts(path, { maxRequests: 3, maxBytes: 1e9 });
    assert.deepEqual(plans.map((p) => [p.lineStart, p.lineEnd, p.requests]), [[1, 3, 3], [4, 6, 3], [7, 7, 1]]);
    assert.deepEqual(await collect(path, plans[1]!), lines.slice(3, 6));
  });

  it('splits by bytes, never cutting a line, each part within the limit', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => line(`r${i}`, 'x'.repeat(i * 7)));
    const path = await file(lines.join('\n'));
    const maxBytes = Buffer.byteLength(lines[9]!) + 1 + 60;
    const plans = await planParts(path, { maxRequests: 1000, maxBytes });
    assert.ok(plans.length > 1);
    const rejoined: string[] = [];
    for (const p of plans) {
      assert.ok(p.bytes <= maxBytes, `part ${p.index} has ${p.bytes} bytes`);
      const got = await collect(path, p);
      assert.equal(got.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0), p.bytes);
      rejoined.push(...got);
    }
    assert.deepEqual(rejoined, lines);
  });

  it('handles CRLF, a BOM, blank lines and multi-byte text', async () => {
    const lines = [line('a', 'héllo 世界'), '', line('b'), '   ', line('c', '🙂')];
    const path = await file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n')]));
    const plans = await planParts(path, { maxRequests: 2, maxBytes: 1e9 });
    assert.deepEqual(plans.map((p) => [p.lineStart, p.lineEnd, p.requests]), [[1, 4, 2], [5, 5, 1]]);
    assert.deepEqual(await collect(path, plans[0]!), [lines[0], lines[2]]);
    assert.deepEqual(await collect(path, plans[1]!), [lines[4]]);
    assert.equal(plans[0]!.startOffset, 0);
    assert.equal(plans[1]!.startOffset, plans[0]!.endOffset, 'parts tile the file');
  });

  it('refuses a single line larger than a batch', async () => {
    const path = await file(line('a') + '\n' + line('big', 'y'.repeat(500)) + '\n');
    await assert.rejects(planParts(path, { maxRequests: 10, maxBytes: 300 }), (e: unknown) => e instanceof LineTooLarge && e.line === 2);
  });

  it('an empty file has no parts', async () => {
    assert.deepEqual(await planParts(await file(''), { maxRequests: 10, maxBytes: 100 }), []);
    assert.deepEqual(await planParts(await file('\n\n'), { maxRequests: 10, maxBytes: 100 }), []);
  });

  it('splitFile writes part files whose lines concatenate back to the input requests', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => line(`r${i}`));
    const path = await file(lines.join('\n') + '\n');
    const out = join(dir, 'parts');
    const files = await splitFile(path, out, { maxRequests: 2, maxBytes: 1e9 });
    assert.equal(files.length, 3);
    assert.deepEqual((await readdir(out)).filter((f) => !f.startsWith('.')).sort(), files.map((f) => f.slice(out.length + 1)).sort());
    assert.match(files[0]!, /\.part-001\.jsonl$/);
    const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('');
    assert.equal(text, lines.join('\n') + '\n');
  });

  it('property: any file, any limits: parts respect both limits and keep every request in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ maxLength: 40 }).map((s) => JSON.stringify({ s }) + (s.length % 3 === 0 ? ' \r ' : '')), fc.constant('')), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 60, max: 400 }),
        fc.constantFrom('\n', '\r\n'),
        async (lines, maxRequests, maxBytes, eol) => {
          const path = await file(lines.join(eol));
          const requests = lines.filter((l) => l.trim() !== '');
          if (requests.some((l) => Buffer.byteLength(l) + 1 > maxBytes)) {
            await assert.rejects(planParts(path, { maxRequests, maxBytes }), LineTooLarge);
            return;
          }
          const plans = await planParts(path, { maxRequests, maxBytes });
          const got: string[] = [];
          for (const p of plans) {
            assert.ok(p.requests >= 1 && p.requests <= maxRequests);
            assert.ok(p.bytes <= maxBytes);
            got.push(...(await collect(path, p)));
          }
          assert.deepEqual(got, requests);
        },
      ),
      { numRuns: 60 },
    );
  });
});
