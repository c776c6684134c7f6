// `npm run schemas`: writes schemas/pipeline.schema.json from the zod PipelineSchema (test/unit/pipeline-schema.test.ts
// fails when the committed file and the schema drift apart). `--check` only compares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/core/fsAtomic';
import { PIPELINE_JSON_SCHEMA_PATH, pipelineJsonSchemaText } from '../src/core/pipeline/jsonSchema';

async function main(): Promise<void> {
  const path = join(__dirname, '..', PIPELINE_JSON_SCHEMA_PATH);
  const text = pipelineJsonSchemaText();
  if (process.argv.includes('--check')) {
    const current = await readFile(path, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${PIPELINE_JSON_SCHEMA_PATH} is out of date: run npm run schemas`);
      process.exit(1);
    }
    return;
  }
  await writeFileAtomic(path, text);
  console.log(`wrote ${PIPELINE_JSON_SCHEMA_PATH}`);
}

void main();
