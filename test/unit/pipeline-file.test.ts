import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline, PipelineFileError } from '../../src/core/pipeline/load';
import { retryPolicyOf, scheduleOf } from '../../src/core/pipeline/schema';

const problemsOf = (text: string, file = '/p/x.batchwise.yaml') => {
  try {
    parsePipeline(file, text);
  } catch (e) {
    if (e instanceof PipelineFileError) return e.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    throw e;
  }
  assert.fail('expected problems');
};

test('a complete pipeline: paths are read from its folder, the policies get their defaults', () => {
  const { pipeline, dir } = parsePipeline(
    '/work/jobs/nightly.batchwise.yaml',
    `name: nightly
input: {data: data/products.csv, template: templates/describe.yaml}
provider: openai
budgetUsd: 5
retries: {max: 2, only: [failed, truncated]}
outputs: [out/descriptions.sqlite, /abs/out.csv]
schedule: {cron: "0 2 * * *", timezone: Europe/Berlin, catchUp: once}
onComplete: {command: ./notify.sh, webhook: {url: "https://example.com/hook", secretEnv: HOOK_SECRET}}
`,
  );
  assert.equal(dir, '/work/jobs');
  assert.deepEqual(pipeline.input, { data: '/work/jobs/data/products.csv', template: '/work/jobs/templates/describe.yaml' });
  assert.deepEqual(pipeline.outputs, ['/work/jobs/out/descriptions.sqlite', '/abs/out.csv']);
  const policy = retryPolicyOf(pipeline);
  assert.equal(policy.max, 2);
  assert.deepEqual([...policy.only!], ['failed', 'truncated']);
  assert.equal(policy.raiseMaxTokens, 2, 'truncated lines go with a raised limit by default');
  assert.deepEqual(scheduleOf(pipeline), { cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: 'once' });
  assert.deepEqual(retryPolicyOf({ ...pipeline, retries: 3 }), { max: 3, raiseMaxTokens: 1, enforceSchema: false });
  assert.deepEqual(scheduleOf({ ...pipeline, schedule: '*/5 * * * *' }), { cron: '*/5 * * * *', catchUp: 'skip' });
});

test('every problem has its line and column and says what to write', () => {
  assert.deepEqual(problemsOf('name: n\ninput: {file: a.jsonl}\nprovider: opnai\nretires: 2\n'), [
    '3:11 provider: Invalid option: expected one of "openai"|"anthropic"|"gemini"|"local"',
    '4:1 unknown field "retires" (did you mean "retries"?); the fields are name, input, provider, profile, baseUrl, model, budgetUsd, quota, retries, outputs, schedule, onComplete',
  ]);
  assert.deepEqual(problemsOf('name: n\ninput: {csv: a.csv}\nprovider: openai\n'), ['2:1 input: give one of {file: requests.jsonl}, {data: table.csv, template: {...}} or {command: "..."}']);
  assert.deepEqual(problemsOf('input: {file: a.jsonl}\nprovider: openai\n'), ['1:1 name: missing (required)']);
  assert.match(problemsOf('name: n\ninput: {file: a.jsonl}\nprovider: openai\nschedule: {cron: "0 2 * *", timezone: UTC}\n')[0]!, /^4:18 schedule: "0 2 \* \*" is not a cron expression/);
  assert.match(problemsOf('name: n\ninput: {file: a.jsonl}\nprovider: openai\nschedule: {cron: "0 2 * * *", timezone: Berlin}\n')[0]!, /^4:41 schedule: unknown time zone "Berlin"/);
  assert.match(problemsOf('name: n\ninput: [\n')[0]!, /^\d+:\d+ not valid YAML/);
  assert.match(problemsOf('{"name": "n", "input": {"file": "a"}, "provider": "openai", "onComplete": {"webhook": {"url": "https://x.test/h"}}}', '/p/x.batchwise.json')[0]!, /onComplete\.webhook: give the signing secret as secret: whsec_\.\.\. or secretEnv: VARIABLE/);
});

test("the README's example pipeline is a valid pipeline file", async () => {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Pipelines'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml, 'the Pipelines section has a yaml block');
  const { pipeline } = parsePipeline('/r/nightly.batchwise.yaml', yaml);
  assert.equal(pipeline.name, 'nightly-descriptions');
  assert.equal(retryPolicyOf(pipeline).max, 2);
  assert.deepEqual(scheduleOf(pipeline), { cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: 'once' });
  assert.deepEqual(pipeline.outputs, ['/r/out/descriptions.csv', '/r/out/descriptions.sqlite']);
});
