/** The equivalent offline command for users who prefer vLLM's own runner (`vllm run-batch`). */
export function vllmRunBatchCommand(inputPath: string, outPath: string, model: string): string {
  return ['vllm', 'run-batch', '-i', shellQuote(inputPath), '-o', shellQuote(outPath), '--model', shellQuote(model)].join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
