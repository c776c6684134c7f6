import { z } from 'zod';

/** Per-model price override in USD per 1M tokens (the `batchwise.pricing` setting). */
export const ModelPriceSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  batchInput: z.number().nonnegative().optional(),
  batchOutput: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PricingOverridesSchema = z.record(z.string(), ModelPriceSchema);
export type PricingOverrides = z.infer<typeof PricingOverridesSchema>;
