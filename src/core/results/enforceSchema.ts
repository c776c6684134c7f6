import { isJsonObject, type JsonObject } from '../json';

/**
 * Where each provider constrains decoding to a JSON schema, so an answer that did not parse or did not follow the
 * schema can be sent again with the schema enforced instead of hoping for better luck:
 *
 * | provider | the request asks for JSON with a schema | enforced when | source |
 * |---|---|---|---|
 * | OpenAI chat | `response_format: {type: json_schema, json_schema: {schema}}` | `json_schema.strict: true` | platform.openai.com/docs/guides/structured-outputs; openai resources/shared.d.ts ResponseFormatJSONSchema |
 * | OpenAI Responses | `text.format: {type: json_schema, schema}` | `text.format.strict: true` | openai resources/responses/responses.d.ts ResponseFormatTextJSONSchemaConfig |
 * | Anthropic | `output_format` (the structured-outputs beta) or `output_config.format: {type: json_schema, schema}` | `output_config.format` (constrained decoding, GA) | @anthropic-ai/sdk resources/messages/messages.d.ts OutputConfig, JSONOutputFormat |
 * | Anthropic | a tool forced by `tool_choice: {type: tool, name}` | that tool's `strict: true` | docs.claude.com …/structured-outputs ("strict tool use") |
 * | Gemini | `generationConfig.responseSchema` / `responseJsonSchema` | with `responseMimeType: application/json` | ai.google.dev/gemini-api/docs/structured-output |
 *
 * JSON mode without a schema (`json_object`, Gemini `responseMimeType` alone) has nothing to enforce.
 */
export type Enforcement = { text: string; how: string } | { text?: undefined; why: string };

/** OpenAI strict mode only takes schemas whose every object lists all its properties as required and closes itself. */
export function strictProblem(schema: unknown, path = '$'): string | undefined {
  if (!isJsonObject(schema)) return undefined;
  if (schema.type === 'object' || isJsonObject(schema.properties)) {
    const props = isJsonObject(schema.properties) ? Object.keys(schema.properties) : [];
    if (schema.additionalProperties !== false) return `${path}: strict mode needs "additionalProperties": false on every object`;
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = props.find((p) => !required.includes(p));
    if (missing !== undefined) return `${path}: strict mode needs every property in "required" ("${missing}" is not)`;
    for (const p of props) {
      const inner = strictProblem((schema.properties as JsonObject)[p], `${path}.${p}`);
      if (inner) return inner;
    }
  }
  if (schema.items !== undefined) return strictProblem(schema.items, `${path}[]`);
  for (const k of ['anyOf', '$defs', 'definitions'] as const) {
    const v = schema[k];
    const list = Array.isArray(v) ? v : isJsonObject(v) ? Object.values(v) : [];
    for (const s of list) {
      const inner = strictProblem(s, `${path}.${k}`);
      if (inner) return inner;
    }
  }
  return undefined;
}

function openaiStrict(holder: JsonObject, what: string): Enforcement {
  if (holder.strict === true) return { why: `${what} is already strict` };
  const problem = strictProblem(holder.schema);
  if (problem) return { why: `the schema cannot be made strict: ${problem}` };
  holder.strict = true;
  return { text: '', how: `${what}.strict: true` };
}

function enforceOpenai(body: JsonObject): Enforcement {
  const rf = body.response_format;
  if (isJsonObject(rf)) {
    if (rf.type === 'json_schema' && isJsonObject(rf.json_schema)) return openaiStrict(rf.json_schema, 'response_format.json_schema');
    if (rf.type === 'json_object') return { why: 'response_format json_object has no schema to enforce' };
  }
  const tf = isJsonObject(body.text) ? body.text.format : undefined;
  if (isJsonObject(tf)) {
    if (tf.type === 'json_schema') return openaiStrict(tf, 'text.format');
    if (tf.type === 'json_object') return { why: 'text.format json_object has no schema to enforce' };
  }
  return { why: 'the request gives no JSON schema' };
}

function enforceAnthropic(params: JsonObject): Enforcement {
  const beta = params.output_format;
  if (isJsonObject(beta) && beta.type === 'json_schema') {
    const config = isJsonObject(params.output_config) ? params.output_config : {};
    params.output_config = { ...config, format: { type: 'json_schema', schema: beta.schema } };
    delete params.output_format;
    return { text: '', how: 'output_format moved to output_config.format' };
  }
  if (isJsonObject(params.output_config) && isJsonObject(params.output_config.format)) return { why: 'output_config.format is already enforced by the provider' };
  const forced = forcedTool(params);
  if (forced) {
    if (forced.strict === true) return { why: `tool "${String(forced.name)}" is already strict` };
    forced.strict = true;
    return { text: '', how: `tool "${String(forced.name)}" strict: true` };
  }
  return { why: 'the request gives no JSON schema' };
}

/** The tool an Anthropic request forces (`tool_choice: {type: tool, name}`), when it has an input schema. */
export function forcedTool(params: JsonObject): JsonObject | undefined {
  const choice = params.tool_choice;
  if (!isJsonObject(choice) || choice.type !== 'tool' || typeof choice.name !== 'string' || !Array.isArray(params.tools)) return undefined;
  const tool = params.tools.find((t) => isJsonObject(t) && t.name === choice.name);
  return isJsonObject(tool) && isJsonObject(tool.input_schema) ? tool : undefined;
}

function enforceGemini(request: JsonObject): Enforcement {
  const camel = isJsonObject(request.generationConfig);
  const config = camel ? (request.generationConfig as JsonObject) : isJsonObject(request.generation_config) ? request.generation_config : undefined;
  const schema = config && (config.responseJsonSchema ?? config.responseSchema ?? config.response_schema ?? config.response_json_schema);
  if (!config || schema === undefined) return { why: 'the request gives no responseSchema' };
  const mimeKey = camel ? 'responseMimeType' : 'response_mime_type';
  if ((config.responseMimeType ?? config.response_mime_type) === 'application/json') return { why: 'responseSchema is already enforced by the provider' };
  config[mimeKey] = 'application/json';
  return { text: '', how: `${mimeKey}: application/json` };
}

/** The request line with its JSON schema enforced, or why it cannot be (it is then sent as it was). */
export function enforceSchema(lineText: string): Enforcement {
  let v: unknown;
  try {
    v = JSON.parse(lineText);
  } catch {
    return { why: 'the line is not JSON' };
  }
  if (!isJsonObject(v)) return { why: 'the line is not a JSON object' };
  const r = isJsonObject(v.body) ? enforceOpenai(v.body) : isJsonObject(v.params) ? enforceAnthropic(v.params) : isJsonObject(v.request) ? enforceGemini(v.request) : { why: 'no request body found' };
  return r.text === undefined ? r : { text: JSON.stringify(v), how: r.how };
}

/** What a retry did with its JSON schemas (RetryPlan.schema in jobs/retry.ts). */
export interface EnforcementSummary {
  enforced: number;
  asIs: { reason: string; lines: number }[];
}

/** "schema enforced on 3 lines; 2 sent as they were (response_format json_object has no schema to enforce)" */
export function describeEnforcement(s: EnforcementSummary): string {
  const asIs = s.asIs.map((a) => `${a.lines} sent as ${a.lines === 1 ? 'it was' : 'they were'} (${a.reason})`);
  return [`schema enforced on ${s.enforced} line${s.enforced === 1 ? '' : 's'}`, ...asIs].join('; ');
}
