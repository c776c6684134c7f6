// Azure OpenAI's limits and quirks, from MicrosoftDocs/azure-ai-docs (includes/global-batch-limits.md: 200 MB and
// 100,000 requests per file; how-to/batch.md Known issues: UTF-8-BOM files refused with a misleading error; REST tab:
// preview api-versions answer "status": "Validating" with ISO timestamps).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Batch } from 'openai/resources/batches';
import { AZURE_OPENAI_LIMITS, PROVIDER_LIMITS, limitsFor } from '../../src/core/limits';
import { validateText } from '../../src/core/validate';
import { OpenAIProvider } from '../../src/providers/openai';
import { azureProfile, azureProfileName } from '../../src/providers/azureProfile';
import { runCliCaptured } from '../support/cli';

const line = (i: number) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini-batch', messages: [{ role: 'user', content: 'hi' }] } });
const azure = azureProfile({ endpoint: 'https://res.openai.azure.com/', apiVersion: '2024-10-21' });

describe('Azure OpenAI limits', () => {
  it('an Azure profile picks Azure\'s limits, any other profile its provider\'s', () => {
    assert.equal(limitsFor(azure), AZURE_OPENAI_LIMITS);
    assert.deepEqual({ maxRequests: AZURE_OPENAI_LIMITS.maxRequests, maxBytes: AZURE_OPENAI_LIMITS.maxBytes }, { maxRequests: 100_000, maxBytes: 200 * 1024 * 1024 });
    assert.equal(limitsFor({ provider: 'openai' }), PROVIDER_LIMITS.openai);
    assert.equal(limitsFor({ provider: 'anthropic' }), PROVIDER_LIMITS.anthropic);
    assert.equal(azure.name, 'azure@res.openai.azure.com');
    assert.equal(azure.baseUrl, 'https://res.openai.azure.com', 'the endpoint, without its trailing slash, is the base URL a job records');
    assert.equal(azureProfileName('not a url'), 'azure@not a url');
  });

  it('a file over OpenAI\'s 50,000 requests is within Azure\'s 100,000; past 100,000 the error names Azure and the first line over', () => {
    const lines: string[] = [];
    for (let i = 1; i <= 100_001; i++) lines.push(line(i));
    const text = lines.join('\n') + '\n';
    const openai = validateText(text, { provider: 'openai' });
    assert.equal(openai.diagnostics.find((d) => d.code === 'too-many-requests')?.line, 50_001);
    const az = validateText(text, { provider: 'openai', limits: AZURE_OPENAI_LIMITS });
    const over = az.diagnostics.filter((d) => d.code === 'too-many-requests');
    assert.equal(over.length, 1);
    assert.equal(over[0]!.line, 100_001);
    assert.match(over[0]!.message, /Azure OpenAI accepts at most 100,000 per batch/);
    const within = validateText(lines.slice(0, 60_000).join('\n') + '\n', { provider: 'openai', limits: AZURE_OPENAI_LIMITS });
    assert.equal(within.diagnostics.filter((d) => d.severity === 'error').length, 0);
  });

  it('a UTF-8 BOM is an error for Azure (it would fail the batch with an unrelated message), a warning for OpenAI', () => {
    const text = '\uFEFF' + line(1) + '\n';
    const openai = validateText(text, { provider: 'openai' }).diagnostics.find((d) => d.code === 'bom');
    assert.equal(openai?.severity, 'warning');
    const az = validateText(text, { provider: 'openai', limits: AZURE_OPENAI_LIMITS }).diagnostics.find((d) => d.code === 'bom');
    assert.equal(az?.severity, 'error');
    assert.match(az!.message, /Azure OpenAI refuses such files.*valid model deployment name/);
    assert.equal(az?.fix?.title, 'Remove the byte order mark (save as UTF-8 without BOM)');
  });

  it('batchwise validate --provider azure checks against Azure\'s limits and reports the provider as openai', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-azure-validate-'));
    try {
      const file = join(dir, 'bom.jsonl');
      await writeFile(file, '\uFEFF' + line(1) + '\n');
      const az = await runCliCaptured(['validate', file, '--provider', 'azure', '--json']);
      assert.equal(az.code, 1);
      const doc = JSON.parse(az.out) as { provider: string; diagnostics: { code: string; severity: string }[] };
      assert.equal(doc.provider, 'openai');
      assert.deepEqual(doc.diagnostics.map((d) => [d.code, d.severity]), [['bom', 'error']]);
      assert.equal((await runCliCaptured(['validate', file, '--provider', 'openai', '--json'])).code, 0, 'only a warning for OpenAI');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Azure OpenAI batch objects', () => {
  it('reads the preview api-versions\' capitalized statuses and ISO timestamps', () => {
    const p = new OpenAIProvider(azure, 'k');
    const remote = p.toRemote({
      id: 'batch_fe3f047a',
      object: 'batch',
      endpoint: '/chat/completions',
      input_file_id: 'file-1',
      completion_window: '24h',
      status: 'Validating',
      created_at: '2024-07-19T17:13:57.2491382+00:00',
      request_counts: { total: 0, completed: 0, failed: 0 },
    } as unknown as Batch);
    assert.equal(remote.status, 'validating');
    assert.equal(remote.createdAt, '2024-07-19T17:13:57.249Z');
    const done = p.toRemote({ id: 'b', object: 'batch', endpoint: '/chat/completions', input_file_id: 'f', completion_window: '24h', status: 'completed', created_at: 1725419394, completed_at: 1725419955, request_counts: { total: 1, completed: 1, failed: 0 } } as Batch);
    assert.deepEqual([done.status, done.createdAt, done.endedAt], ['completed', '2024-09-04T03:09:54.000Z', '2024-09-04T03:19:15.000Z']);
  });
});
