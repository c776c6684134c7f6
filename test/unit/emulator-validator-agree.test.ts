import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText } from '../../src/core/validate';
import { validateBatchInput } from '../../src/emulator/openai/validateInput';
import { parseFileRequests } from '../../src/emulator/gemini/requests';
import { MarkerMemory } from '../../src/emulator/markers';

// Issue 11: the emulator does what the validator's BOM and blank-line warnings say the provider does
// (src/core/rules/file.ts BOM_EFFECT / BLANK_EFFECT), so a file the validator warns about also fails in the sandbox.

const oa = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
const ge = (key: string) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: 'x' }] }] } });

test('OpenAI: a BOM makes line 1 invalid JSON and a blank line an invalid line, as the validator warns', () => {
  const bom = '\uFEFF' + [oa('a'), oa('b')].join('\n') + '\n';
  assert.match(validateText(bom, { provider: 'openai' }).diagnostics.find((d) => d.code === 'bom')!.message, /part of the first line, which then is not valid JSON/);
  assert.deepEqual(validateBatchInput(Buffer.from(bom), '/v1/chat/completions', new MarkerMemory()).errors.map((e) => [e.code, e.line]), [['invalid_json_line', 1]]);

  const blank = [oa('a'), '', oa('b')].join('\n') + '\n';
  assert.match(validateText(blank, { provider: 'openai' }).diagnostics.find((d) => d.code === 'blank-line')!.message, /count it as an invalid line/);
  assert.deepEqual(validateBatchInput(Buffer.from(blank), '/v1/chat/completions', new MarkerMemory()).errors.map((e) => [e.code, e.line]), [['invalid_json_line', 2]]);

  // Without either, both are content.
  const clean = [oa('a'), oa('b')].join('\n') + '\n';
  assert.deepEqual(validateText(clean, { provider: 'openai' }).diagnostics, []);
  assert.deepEqual(validateBatchInput(Buffer.from(clean), '/v1/chat/completions', new MarkerMemory()).errors, []);
});

test('Gemini: a blank line is a request without a key, as the validator warns', () => {
  const lines = [ge('a'), '', ge('b')];
  assert.match(validateText(lines.join('\n') + '\n', { provider: 'gemini' }).diagnostics.find((d) => d.code === 'blank-line')!.message, /request without a key/);
  assert.equal(parseFileRequests('generate', lines.map((text, i) => ({ line: i + 1, text })), new MarkerMemory()), 'Input file line 2: the line is empty; "key" is required (a string).');
});
