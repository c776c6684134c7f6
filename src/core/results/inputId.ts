/** The request id of an input line object: `custom_id` (OpenAI, Anthropic, local) or `key` (Gemini). */
export function inputIdOf(obj: unknown): string | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as { custom_id?: unknown; key?: unknown };
  if (typeof o.custom_id === 'string') return o.custom_id;
  if (typeof o.key === 'string') return o.key;
  return undefined;
}

/** Parses one input line and returns its id; undefined for blank or broken lines (they become `missing` rows). */
export function inputIdOfText(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    return inputIdOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}
