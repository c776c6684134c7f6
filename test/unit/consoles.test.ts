import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleUrlFor } from '../../src/core/consoles';

test('a console page only for the providers\' own hosts; proxies, Azure, the emulator and local servers have none', () => {
  assert.equal(consoleUrlFor('openai', undefined, 'batch_1'), 'https://platform.openai.com/batches/batch_1');
  assert.equal(consoleUrlFor('openai', 'https://api.openai.com/v1', 'batch_1'), 'https://platform.openai.com/batches/batch_1');
  assert.match(consoleUrlFor('anthropic', 'https://api.anthropic.com', 'msgbatch_1') ?? '', /console\.anthropic\.com\/.*msgbatch_1$/);
  assert.equal(consoleUrlFor('gemini', undefined, 'batches/x'), 'https://aistudio.google.com/batches');
  assert.equal(consoleUrlFor('openai', 'https://my-resource.openai.azure.com/openai', 'batch_1'), undefined);
  assert.equal(consoleUrlFor('anthropic', 'http://127.0.0.1:8787', 'msgbatch_1'), undefined);
  assert.equal(consoleUrlFor('local', 'http://localhost:8000/v1', 'local-1'), undefined);
});
