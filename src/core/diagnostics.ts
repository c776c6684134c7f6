import { z } from 'zod';

export const SeveritySchema = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

/** A replacement in the file. Lines and columns are 1-based; columns count UTF-16 code units like VS Code. */
export const TextEditSchema = z.object({
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  text: z.string(),
});
export type TextEdit = z.infer<typeof TextEditSchema>;

export const FixSchema = z.object({
  title: z.string(),
  edits: z.array(TextEditSchema),
});
export type Fix = z.infer<typeof FixSchema>;

export const DiagnosticSchema = z.object({
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  endLine: z.number().int().positive(),
  endColumn: z.number().int().positive(),
  severity: SeveritySchema,
  /** Stable rule id, e.g. `duplicate-custom-id`. Quick fixes and "fix all" key on it. */
  code: z.string(),
  /** What is wrong and how to fix it. */
  message: z.string(),
  /** Another place this diagnostic points at (e.g. the first occurrence of a duplicate id). */
  related: z.object({ line: z.number().int().positive(), message: z.string() }).optional(),
  fix: FixSchema.optional(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;
