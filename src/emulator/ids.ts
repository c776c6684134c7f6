import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id with the provider's prefix, e.g. `batch_…`, `file-…`, `msgbatch_01…`. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Gemini resource numbers are digits (`batches/123456789`). */
export function newNumericId(length = 16): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += String(b % 10);
  return out.replace(/^0/, '1');
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Gemini resource ids are lower-case letters and digits (`files/abc123...`, `batches/...`). */
export function newLowerId(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += LOWER_ALNUM[b % LOWER_ALNUM.length];
  return out;
}
