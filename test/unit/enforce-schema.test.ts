import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEnforcement, enforceSchema, strictProblem } from '../../src/core/results/enforceSchema';
import { jsonRequestOf } from '../../src/core/results/quality';

// Request shapes from the providers' types: openai resources/shared.d.ts ResponseFormatJSONSchema and
// resources/responses/responses.d.ts ResponseFormatTextJSONSchemaConfig; @anthropic-ai/sdk resources/messages/messages.d.ts
// OutputConfig / JSONOutputFormat / ToolChoiceTool; @google/genai GenerationConfig (responseMimeType, responseSchema).
const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false };
/** A parsed request line, walked by field names in the assertions. */
type Loose = { [k: string]: Loose };
const enforced = (line: unknown) => {
  const r = enforceSchema(JSON.stringify(line));
  assert.ok(r.text !== undefined, `expected an enforcement, got: ${'why' in r ? r.why : ''}`);
  return { line: JSON.parse(r.text) as Loose, how: r.how };
};
const why = (line: unknown) => {
  const r = enforceSchema(JSON.stringify(line));
  assert.equal(r.text, undefined);
  return 'why' in r ? r.why : '';
};

test('OpenAI chat: a json_schema response_format becomes strict; json_object and already-strict ones are left as they are', () => {
  const line = { custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [], response_format: { type: 'json_schema', json_schema: { name: 'l', schema } } } };
  const r = enforced(line);
  assert.equal(r.line.body.response_format.json_schema.strict, true);
  assert.deepEqual(r.line.body.response_format.json_schema.schema, schema, 'the schema itself is not changed');
  assert.equal(r.how, 'response_format.json_schema.strict: true');
  assert.match(why({ ...line, body: { ...line.body, response_format: { type: 'json_schema', json_schema: { name: 'l', strict: true, schema } } } }), /already strict/);
  assert.match(why({ ...line, body: { ...line.body, response_format: { type: 'json_object' } } }), /json_object has no schema/);
  assert.match(why({ ...line, body: { model: 'm', messages: [] } }), /no JSON schema/);
});

test('OpenAI strict mode needs closed objects with every property required: a schema that is not is sent as it was, with the path', () => {
  const open = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
  assert.match(why({ custom_id: 'a', body: { response_format: { type: 'json_schema', json_schema: { name: 'l', schema: open } } } }), /\$: strict mode needs "additionalProperties": false/);
  const optional = { ...schema, properties: { label: { type: 'string' }, note: { type: 'string' } } };
  assert.equal(strictProblem(optional), '$: strict mode needs every property in "required" ("note" is not)');
  const nested = { ...schema, properties: { label: { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] } } };
  assert.equal(strictProblem(nested), '$.label: strict mode needs "additionalProperties": false on every object');
  assert.equal(strictProblem({ type: 'array', items: schema }), undefined);
});

test('OpenAI Responses: text.format json_schema becomes strict', () => {
  const r = enforced({ custom_id: 'a', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1', input: 'x', text: { format: { type: 'json_schema', name: 'l', schema } } } });
  assert.equal(r.line.body.text.format.strict, true);
});

test('Anthropic: the beta output_format moves to output_config.format; a forced tool becomes strict; output_config is already enforced', () => {
  const params = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'x' }] };
  const beta = enforced({ custom_id: 'a', params: { ...params, output_format: { type: 'json_schema', schema }, output_config: { effort: 'low' } } });
  assert.deepEqual(beta.line.params.output_config, { effort: 'low', format: { type: 'json_schema', schema } });
  assert.equal(beta.line.params.output_format, undefined);
  const tool = enforced({ custom_id: 'a', params: { ...params, tools: [{ name: 'other', input_schema: { type: 'object' } }, { name: 'label', input_schema: schema }], tool_choice: { type: 'tool', name: 'label' } } });
  assert.equal(tool.line.params.tools[1].strict, true);
  assert.equal(tool.line.params.tools[0].strict, undefined, 'only the forced tool');
  assert.match(why({ custom_id: 'a', params: { ...params, output_config: { format: { type: 'json_schema', schema } } } }), /already enforced/);
  assert.match(why({ custom_id: 'a', params: { ...params, tools: [{ name: 'label', input_schema: schema }], tool_choice: { type: 'auto' } } }), /no JSON schema/);
});

test('Gemini: a responseSchema without the JSON mime type gets it (camelCase and snake_case); with it, it is already enforced', () => {
  const camel = enforced({ key: 'a', request: { contents: [], generationConfig: { responseSchema: schema } } });
  assert.equal(camel.line.request.generationConfig.responseMimeType, 'application/json');
  const snake = enforced({ key: 'a', request: { contents: [], generation_config: { response_schema: schema } } });
  assert.equal(snake.line.request.generation_config.response_mime_type, 'application/json');
  assert.match(why({ key: 'a', request: { contents: [], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } } }), /already enforced/);
  assert.match(why({ key: 'a', request: { contents: [], generationConfig: { responseMimeType: 'application/json' } } }), /no responseSchema/);
});

test('a line that is not JSON is sent as it was, and the summary says how many went which way', () => {
  assert.deepEqual(enforceSchema('{not json'), { why: 'the line is not JSON' });
  assert.equal(why('a string'), 'the line is not a JSON object');
  assert.equal(describeEnforcement({ enforced: 3, asIs: [{ reason: 'response_format json_object has no schema to enforce', lines: 2 }] }), 'schema enforced on 3 lines; 2 sent as they were (response_format json_object has no schema to enforce)');
  assert.equal(describeEnforcement({ enforced: 1, asIs: [] }), 'schema enforced on 1 line');
});

test('jsonRequestOf reads Anthropic output_config.format, the beta output_format and a forced tool', () => {
  const params = { model: 'm', max_tokens: 1, messages: [] };
  assert.deepEqual(jsonRequestOf({ custom_id: 'a', params: { ...params, output_config: { format: { type: 'json_schema', schema } } } }), { json: true, schema });
  assert.deepEqual(jsonRequestOf({ custom_id: 'a', params: { ...params, output_format: { type: 'json_schema', schema } } }), { json: true, schema });
  assert.deepEqual(jsonRequestOf({ custom_id: 'a', params: { ...params, tools: [{ name: 't', input_schema: schema }], tool_choice: { type: 'tool', name: 't' } } }), { json: true, schema });
  assert.deepEqual(jsonRequestOf({ custom_id: 'a', params: { ...params, tools: [{ name: 't', input_schema: schema }] } }), { json: false });
});
