import { z } from 'zod';
import { PipelineSchema } from './schema';
import { WebhookSecretSchema } from '../webhooks/standardWebhooks';

/** Where the generated schema is committed (and what package.json contributes to VS Code). */
export const PIPELINE_JSON_SCHEMA_PATH = 'schemas/pipeline.schema.json';

/**
 * The JSON schema of a pipeline file, from `PipelineSchema`, as VS Code's JSON service and the Red Hat YAML extension
 * read it: draft-07 (the draft both support best), the input side (optional fields stay optional), and what JSON
 * schema cannot say (the webhook's secret-or-secretEnv refinement) left to Batchwise's own diagnostics.
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PipelineSchema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // The secret's rule is a refinement (no JSON schema of its own): the editor gets its shape, the loader the exact base64 check.
      if (ctx.zodSchema === WebhookSecretSchema) Object.assign(ctx.jsonSchema, { pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$' });
    },
  }) as Record<string, unknown>;
  return {
    ...generated,
    title: 'Batchwise pipeline',
    description: 'A Batchwise pipeline file (*.batchwise.yaml, .yml or .json): where the requests come from, where the batch goes, what happens to failures and results, and when it runs. Run one cycle with `batchwise pipeline run FILE`.',
  };
}

/** The file's text: stable key order (zod's), two-space indent, a final newline. */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
