/**
 * Checks of the `batchwise.profiles` setting. No `vscode` import: unit-tested on its own.
 * API keys belong in SecretStorage; a key typed into settings.json sits in plain text (and may sync), and
 * Batchwise never reads it. The user is told, so the key does not stay there unnoticed.
 */

/** Field names that hold a secret when someone puts a key into a profile. */
const SECRET_FIELDS = /^(api[-_]?key|key|secret|token|access[-_]?token|auth(orization)?|password|bearer)$/i;

/** Names (or positions) of the profiles in the raw setting that carry a non-empty secret-looking field. */
export function profilesWithSecrets(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  raw.forEach((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) return;
    const entries = Object.entries(p as Record<string, unknown>);
    if (!entries.some(([k, v]) => SECRET_FIELDS.test(k) && typeof v === 'string' && v.trim() !== '')) return;
    const name = (p as { name?: unknown }).name;
    out.push(typeof name === 'string' && name.trim() ? name : `#${i + 1}`);
  });
  return out;
}
