// The JSON schema VS Code validates pipeline files with (issue 16): generated from PipelineSchema, committed, and
// contributed for *.batchwise.json / .yaml / .yml. It cannot drift from the zod schema, and it accepts and refuses
// the same files the loader does (checked with ajv, already in node_modules for eslint; it speaks draft-07).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { PIPELINE_JSON_SCHEMA_PATH, pipelineJsonSchemaText } from '../../src/core/pipeline/jsonSchema';
import { PipelineSchema } from '../../src/core/pipeline/schema';

const ROOT = join(__dirname, '..', '..');
const committed = readFileSync(join(ROOT, PIPELINE_JSON_SCHEMA_PATH), 'utf8');
const schema = JSON.parse(committed) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true }).compile(schema);

const nightly = parseYaml(`
name: nightly-labels
input: { data: tickets.csv, template: { to: openai, model: gpt-4o-mini, user: "Label: {{text}}" } }
provider: openai
baseUrl: http://127.0.0.1:4010/v1
budgetUsd: 5
retries: { max: 2, only: [failed, truncated] }
outputs: [labels.csv, labels.jsonl]
schedule: { cron: "0 2 * * *", timezone: Europe/Berlin, catchUp: once }
onComplete:
  command: ./load.sh
  webhook: { url: "https://example.com/hook", secretEnv: HOOK_SECRET }
`) as unknown;

test('the committed schemas/pipeline.schema.json is what npm run schemas generates from PipelineSchema', () => {
  assert.equal(committed, pipelineJsonSchemaText(), 'out of date: run npm run schemas');
});

test('a complete pipeline validates against the schema, as it parses with zod', () => {
  assert.ok(PipelineSchema.safeParse(nightly).success, 'zod accepts the example');
  assert.equal(validate(nightly), true, JSON.stringify(validate.errors));
  const minimal = { name: 'once', input: { file: 'requests.jsonl' }, provider: 'anthropic' };
  assert.ok(PipelineSchema.safeParse(minimal).success);
  assert.equal(validate(minimal), true, JSON.stringify(validate.errors));
});

test('broken pipelines are refused by the schema, at the field the editor should underline', () => {
  const cases: { file: unknown; path: string }[] = [
    { file: { input: { file: 'a.jsonl' }, provider: 'openai' }, path: '' }, // no name
    { file: { name: 'x', input: { file: 'a.jsonl' }, provider: 'mistral' }, path: '.provider' },
    { file: { name: 'x', input: { file: 'a.jsonl' }, provider: 'openai', schedul: '0 2 * * *' }, path: '' }, // typo: unknown field
    { file: { name: 'x', input: { file: 'a.jsonl', data: 'b.csv' }, provider: 'openai' }, path: '.input' },
    { file: { name: 'x', input: { file: 'a.jsonl' }, provider: 'openai', retries: 11 }, path: '.retries' },
    { file: { name: 'x', input: { file: 'a.jsonl' }, provider: 'openai', schedule: { cron: '0 2 * * *', catchUp: 'all' } }, path: '.schedule' },
    { file: { name: 'x', input: { file: 'a.jsonl' }, provider: 'openai', onComplete: { webhook: { url: 'https://e.com', secret: 'not-whsec' } } }, path: '.onComplete.webhook.secret' },
  ];
  for (const c of cases) {
    assert.equal(PipelineSchema.safeParse(c.file).success, false, `zod refuses ${JSON.stringify(c.file)}`);
    assert.equal(validate(c.file), false, `the JSON schema refuses ${JSON.stringify(c.file)}`);
    assert.ok(
      validate.errors!.some((e) => e.dataPath.startsWith(c.path)),
      `an error at ${c.path || '(root)'} for ${JSON.stringify(c.file)}: ${JSON.stringify(validate.errors)}`,
    );
  }
});

test('the schema carries the descriptions and enums editors show in completion', () => {
  const props = schema.properties as Record<string, { description?: string; enum?: string[] }>;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(PipelineSchema.shape).sort());
  assert.deepEqual(schema.required, ['name', 'input', 'provider']);
  assert.equal(schema.additionalProperties, false);
  assert.match(props.name!.description!, /name/);
  assert.deepEqual(props.provider!.enum!.slice().sort(), PipelineSchema.shape.provider.options.slice().sort());
});

test('package.json contributes the schema for *.batchwise.json, .yaml and .yml, and ships it in the .vsix', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string | string[]; url: string }[]; yamlValidation: { fileMatch: string | string[]; url: string }[] }; scripts: Record<string, string> };
  const url = `./${PIPELINE_JSON_SCHEMA_PATH}`;
  const matches = (list: { fileMatch: string | string[]; url: string }[]) => list.filter((v) => v.url === url).flatMap((v) => [v.fileMatch].flat());
  assert.deepEqual(matches(pkg.contributes.jsonValidation), ['*.batchwise.json']);
  assert.deepEqual(matches(pkg.contributes.yamlValidation).sort(), ['*.batchwise.yaml', '*.batchwise.yml']);
  assert.match(pkg.scripts.schemas!, /scripts\/pipeline-schema\.ts/);
  assert.match(readFileSync(join(ROOT, '.vscodeignore'), 'utf8'), /^!schemas\/\*\*$/m);
});
