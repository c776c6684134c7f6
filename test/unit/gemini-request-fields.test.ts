import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeGeminiRequest, toSdkInlinedShape } from '../../src/core/geminiRequest';
import { validateText } from '../../src/core/validate';
import type { Diagnostic } from '../../src/core/diagnostics';

// Field names from the Gemini REST reference (ai.google.dev/api/generate-content, #v1beta.GenerationConfig,
// caching#Schema) and @google/genai's GenerateContentConfig / Schema types.

const contents = [{ role: 'user', parts: [{ text: 'Classify this.' }] }];
const line = (request: Record<string, unknown>) => JSON.stringify({ key: 'k1', request: { contents, ...request } });
const warnings = (text: string): Diagnostic[] => validateText(text + '\n', { provider: 'gemini' }).diagnostics.filter((d) => d.code === 'unknown-field');
const covered = (text: string, d: Diagnostic) => text.slice(d.column - 1, d.endColumn - 1);

test('snake_case fields become camelCase at every level; user property names and arguments stay as written', () => {
  const { request, issues } = normalizeGeminiRequest({
    contents: [{ role: 'model', parts: [{ function_call: { name: 'f', args: { user_id: 1, nested_arg: { deep_key: 2 } } } }] }],
    generation_config: { max_output_tokens: 5, response_schema: { type: 'OBJECT', properties: { first_name: { type: 'STRING', max_length: 3 } }, property_ordering: ['first_name'] } },
    tools: [{ function_declarations: [{ name: 'f', parameters_json_schema: { type: 'object', properties: { some_arg: { type: 'string' } }, additionalProperties: false } }] }],
  });
  assert.deepEqual(issues, []);
  assert.deepEqual(request, {
    contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: { user_id: 1, nested_arg: { deep_key: 2 } } } }] }],
    generationConfig: { maxOutputTokens: 5, responseSchema: { type: 'OBJECT', properties: { first_name: { type: 'STRING', maxLength: 3 } }, propertyOrdering: ['first_name'] } },
    tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object', properties: { some_arg: { type: 'string' } }, additionalProperties: false } }] }],
  });
});

test('the SDK shape folds generationConfig and the request-level settings into config, without the model', () => {
  const shape = toSdkInlinedShape({ model: 'gemini-2.5-flash', contents, generationConfig: { temperature: 0 }, systemInstruction: { parts: [{ text: 's' }] }, cachedContent: 'cachedContents/c' });
  assert.deepEqual(shape, { contents, config: { temperature: 0, systemInstruction: { parts: [{ text: 's' }] }, cachedContent: 'cachedContents/c' } });
});

test('unknown-field: a misspelt field is a warning on its key, with a rename fix in the line\'s own spelling', () => {
  const text = line({ generation_config: { max_output_token: 10 } });
  const [d, ...rest] = warnings(text);
  assert.equal(rest.length, 0);
  assert.equal(d?.severity, 'warning');
  assert.equal(covered(text, d!), '"max_output_token"');
  assert.match(d!.message, /request\.generation_config\.max_output_token: GenerationConfig has no field "max_output_token" \(did you mean "max_output_tokens"\?\)/);
  assert.equal(d!.fix?.title, 'Rename to "max_output_tokens"');
  assert.equal(d!.fix?.edits[0]?.text, '"max_output_tokens"');
});

test('unknown-field: other APIs\' names get the Gemini name; an unrelated name gets no guess', () => {
  assert.equal(warnings(line({ generationConfig: { maxTokens: 10 } }))[0]?.fix?.title, 'Rename to "maxOutputTokens"');
  const [d] = warnings(line({ generationConfig: { flavour: 'vanilla' } }));
  assert.equal(d?.fix, undefined);
  assert.match(d!.message, /GenerationConfig has no field "flavour"; .*Remove it/);
});

test('unknown-field inside a schema and a part, but not for property names or function arguments', () => {
  const text = line({
    contents: [{ role: 'user', parts: [{ txt: 'x' }] }, { role: 'model', parts: [{ functionCall: { name: 'f', args: { anything_goes: 1 } } }] }],
    generationConfig: { responseSchema: { type: 'OBJECT', properties: { any_name_at_all: { typ: 'STRING' } } } },
  });
  assert.deepEqual(
    warnings(text).map((d) => [covered(text, d), d.fix?.title]),
    [
      ['"txt"', 'Rename to "text"'],
      ['"typ"', 'Rename to "type"'],
    ],
  );
});

test('unknown-field: a Vertex-only field and a field given in both spellings are named as such', () => {
  const [vertex] = warnings(line({ generation_config: { routing_config: {} } }));
  assert.match(vertex!.message, /only by Vertex AI, not by the Gemini Developer API/);
  const [dup] = warnings(line({ generationConfig: { temperature: 0 }, generation_config: { temperature: 1 } }));
  assert.match(dup!.message, /request\.generation_config repeats "generationConfig" in another spelling/);
});

test('the request-level field list has no warning for a line using every top-level field', () => {
  const text = line({ model: 'gemini-2.5-flash', systemInstruction: { parts: [{ text: 's' }] }, generationConfig: {}, safetySettings: [], tools: [], toolConfig: {}, cachedContent: 'cachedContents/x', serviceTier: 'flex', store: false, labels: { team_name: 'a' } });
  assert.deepEqual(warnings(text), []);
});

test('a schema nested 100,000 levels deep is converted without overflowing the stack', () => {
  let schema: Record<string, unknown> = { type: 'STRING' };
  for (let i = 0; i < 100_000; i++) schema = { type: 'ARRAY', items: schema };
  const { request, issues } = normalizeGeminiRequest({ contents, generation_config: { response_schema: schema } });
  assert.deepEqual(issues, []);
  let depth = 0;
  let s = (request.generationConfig as { responseSchema: Record<string, unknown> }).responseSchema;
  while (s.items) {
    s = s.items as Record<string, unknown>;
    depth++;
  }
  assert.equal(depth, 100_000);
});
