import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobsSubmittedFrom } from '../../src/core/jobs/byInput';
import { looksLikeResultsFile } from '../../src/core/results/standalone';
import type { Job } from '../../src/core/jobs/job';

const job = (id: string, inputPath: string, createdAt: string): Job => ({
  version: 1, id, name: id, provider: 'openai', profile: 'openai', endpoint: null, model: null, inputPath, inputSha256: 'x',
  inputLines: 1, requests: 1, parts: [], attempt: 1, status: 'completed', createdAt, updatedAt: createdAt,
});

describe('Open Results on an input file', () => {
  it('finds the jobs submitted from that file, newest first, comparing resolved paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-byinput-'));
    const a = join(dir, 'a.jsonl');
    const jobs = [job('old', a, '2026-11-01T00:00:00Z'), job('other', join(dir, 'b.jsonl'), '2026-11-02T00:00:00Z'), job('new', join(dir, 'sub', '..', 'a.jsonl'), '2026-11-03T00:00:00Z')];
    assert.deepEqual(jobsSubmittedFrom(jobs, a).map((j) => j.id), ['new', 'old']);
    assert.deepEqual(jobsSubmittedFrom(jobs, join(dir, 'c.jsonl')), []);
  });

  it('tells a request file from a results file by its first non-blank line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-sniff-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '\n{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}}\n');
    const output = join(dir, 'out.jsonl');
    // OpenAI batch output line, shape from openai-openapi BatchRequestOutput.
    writeFileSync(output, '{"id":"batch_req_1","custom_id":"r1","response":{"status_code":200,"request_id":"req_1","body":{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}},"error":null}\n');
    const anthropicInput = join(dir, 'a.jsonl');
    writeFileSync(anthropicInput, '{"custom_id":"r1","params":{"model":"claude-3-5-haiku-latest","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}}\n');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    assert.equal(await looksLikeResultsFile(input), false);
    assert.equal(await looksLikeResultsFile(anthropicInput), false);
    assert.equal(await looksLikeResultsFile(output), true);
    assert.equal(await looksLikeResultsFile(empty), false);
  });
});
