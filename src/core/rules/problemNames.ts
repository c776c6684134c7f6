/**
 * What a diagnostic code is about, in words, for "Fix all N ... in this file" titles (the code itself,
 * `invalid-max-tokens`, means nothing to someone who has not read the rules). Keyed by the codes that have fixes.
 */
const NAMES: Record<string, string> = {
  'missing-max-tokens': 'requests without max_tokens',
  'invalid-max-tokens': 'token limits written as text',
  'invalid-role': 'messages with a wrong role',
  'invalid-system': 'system prompts that are not text',
  'missing-custom-id': 'requests without an id',
  'invalid-custom-id': 'invalid request ids',
  'duplicate-custom-id': 'duplicate request ids',
  'invalid-method': 'wrong HTTP methods',
  'invalid-url': 'wrong endpoint urls',
  'blank-line': 'blank lines',
  'mixed-model': 'requests with a different model',
  'mixed-endpoint': 'requests to a different endpoint',
};

/** `Fix all 3 token limits written as text in this file`. */
export function fixAllTitle(code: string, count: number): string {
  const name = NAMES[code] ?? `problems of this kind (${code.replace(/-/g, ' ')})`;
  return `Fix all ${count.toLocaleString('en-US')} ${name} in this file`;
}
