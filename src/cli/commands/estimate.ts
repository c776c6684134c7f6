import { readFile } from 'node:fs/promises';
import { checkInputFile, fsReason } from '../inputFile';
import { estimateFile, formatEstimate } from '../../core/estimate';
import { PricingOverridesSchema, type PricingOverrides } from '../../core/pricing';
import { ProviderIdSchema, type ProviderId } from '../../core/status';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, printJson, UsageError, type CliIO } from '../io';

const USAGE = 'estimate <file> [--provider openai|azure|anthropic|gemini|local] [--model M] [--pricing FILE.json] [--json]';

/** `batchwise estimate`: tokens and standard vs batch cost of a JSONL file, before anything is sent. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      json: { type: 'boolean' },
      provider: { type: 'string' },
      model: { type: 'string' },
      pricing: { type: 'string' },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`expected one file\nusage: ${USAGE}`);
  await checkInputFile(file);
  let provider: ProviderId | undefined;
  if (values.provider === 'azure') {
    // Azure OpenAI files are OpenAI-format (the line's model is a deployment name: --model names the priced model).
    provider = 'openai';
  } else if (values.provider && values.provider !== 'auto') {
    const p = ProviderIdSchema.safeParse(values.provider);
    if (!p.success) throw new UsageError(`unknown provider "${values.provider}"\nusage: ${USAGE}`);
    provider = p.data;
  }
  const overrides = values.pricing ? await readOverrides(values.pricing) : undefined;
  const est = await estimateFile(file, { provider, model: values.model, overrides, signal: io.signal });
  // An empty file is a mistake in the input, as `validate` says with exit 1; the estimate is still printed.
  const code = est.requests === 0 ? EXIT_FAILED : EXIT_OK;
  if (est.requests === 0) io.err(`batchwise estimate: ${file} has no requests: a batch file needs one JSON request per line\n`);

  if (values.json) {
    printJson(io, {
      requests: est.requests,
      inputTokens: est.inputTokens,
      outputTokensMax: est.outputTokensMax,
      outputTokensTypical: est.outputTokensTypical,
      standardCost: est.standardCost,
      batchCost: est.batchCost,
      saving: est.saving,
      standardCostMax: est.standardCostMax,
      batchCostMax: est.batchCostMax,
      currency: est.currency,
      model: est.model,
      pricingDate: est.pricingDate,
      provider: est.provider,
      tokenMethod: est.tokenMethod,
      sampledLines: est.sampledLines,
      ...(est.reason ? { reason: est.reason } : {}),
      models: est.models.map((m) => ({
        model: m.model,
        requests: m.requests,
        inputTokens: m.inputTokens,
        outputTokensMax: m.outputTokensMax,
        standardCost: m.standardCost,
        batchCost: m.batchCost,
      })),
    });
    return code;
  }
  io.out(formatEstimate(file, est));
  return code;
}

async function readOverrides(path: string): Promise<PricingOverrides> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read pricing file ${path}: ${e instanceof SyntaxError ? `not valid JSON (${e.message})` : fsReason(e)}`);
  }
  const r = PricingOverridesSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`pricing file ${path}: expected { "<model>": { "input": N, "output": N, "batchInput"?: N, "batchOutput"?: N } } in USD per 1M tokens`);
  return r.data;
}
