/** The id that joins a request to its result: OpenAI / Anthropic `custom_id`, Gemini `key`. */
export function requestIdOf(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  if (typeof o.custom_id === 'string') return o.custom_id;
  if (typeof o.key === 'string') return o.key;
  return undefined;
}

/** The field holding the request id for a provider's line format. */
export function requestIdField(provider: string | null): 'custom_id' | 'key' {
  return provider === 'gemini' ? 'key' : 'custom_id';
}
