import { ANTHROPIC_CUSTOM_ID } from '../limits';
import type { LineContext } from './sink';
import type { FileState } from './state';
import { PROVIDER_NAMES, describeValue } from './text';

/**
 * The request id (`custom_id`, Gemini `key`): present, a non-empty string, Anthropic's pattern,
 * and unique in the file (each later duplicate points at the first).
 */
export function checkRequestId(ctx: LineContext, o: Record<string, unknown>, field: 'custom_id' | 'key', st: FileState): void {
  const v = o[field];
  const name = PROVIDER_NAMES[st.provider];
  if (v === undefined || v === null) {
    const id = `request-${ctx.line}`;
    ctx.report(
      'missing-custom-id',
      'error',
      (l) => (v === null ? l.valueRange([field]) : { column: 1, endColumn: 2 }),
      () => `This request has no "${field}". ${name} needs a unique ${field} on every line to match results to requests: add one, e.g. "${field}": "${id}".`,
      (l) => {
        if (v === null) return { fix: ctx.replace(`Set ${field} to "${id}"`, l.valueRange([field]), JSON.stringify(id)) };
        const ins = l.insertFirstProperty([], field, JSON.stringify(id));
        return ins ? { fix: { title: `Add "${field}": "${id}"`, edits: [{ line: ctx.line, column: ins.column, endLine: ctx.line, endColumn: ins.column, text: ins.text }] } } : {};
      },
    );
    return;
  }
  if (typeof v !== 'string' || v === '') {
    ctx.report(
      'invalid-custom-id',
      'error',
      (l) => l.valueRange([field]),
      () => `"${field}" must be a non-empty string (got ${describeValue(v)}). Put the id in quotes, e.g. "${field}": "request-${ctx.line}".`,
      (_l, r) => ({ fix: ctx.replace(`Use "${typeof v === 'number' ? String(v) : `request-${ctx.line}`}" as the ${field}`, r, JSON.stringify(typeof v === 'number' ? String(v) : `request-${ctx.line}`)) }),
    );
    if (typeof v !== 'string') return;
  }
  if (st.provider === 'anthropic' && v !== '' && !ANTHROPIC_CUSTOM_ID.test(v)) {
    const fixed = v.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
    ctx.report(
      'invalid-custom-id',
      'error',
      (l) => l.valueRange([field]),
      () =>
        v.length > 64
          ? `custom_id is ${v.length} characters; Anthropic allows at most 64 (letters, digits, _ and -) and rejects the whole batch otherwise. Shorten it.`
          : `custom_id ${JSON.stringify(v)} has characters Anthropic rejects (it allows only letters, digits, _ and -, up to 64), which fails the whole batch. Replace them, e.g. with "${fixed}".`,
      (_l, r) => ({ fix: ctx.replace(`Change custom_id to "${fixed}"`, r, JSON.stringify(fixed)) }),
    );
  }
  if (st.customIdLimit && v.length > st.customIdLimit.max) reportCustomIdTooLong(ctx, field, v, st.customIdLimit);
  if (v === '') return;
  const first = st.ids.firstUse(v, ctx.line);
  if (first !== undefined) reportDuplicateId(ctx, field, v, first, st.provider);
}

/**
 * A host that caps `custom_id` (Together, Doubleword: 64 characters) fails the whole batch over one longer id, after the
 * upload: an error here, with a shortened id (the line number keeps it unique) as the fix.
 */
function reportCustomIdTooLong(ctx: LineContext, field: 'custom_id' | 'key', v: string, limit: { max: number; label: string }): void {
  const fixed = uniqueId(v, ctx.line, limit.max);
  ctx.report(
    'custom-id-too-long',
    'error',
    (l) => l.valueRange([field]),
    () => `${field} is ${v.length} characters; ${limit.label} accepts at most ${limit.max} and fails the whole batch otherwise. Shorten it, e.g. to "${fixed}".`,
    (_l, r) => ({ fix: ctx.replace(`Shorten ${field} to "${fixed}"`, r, JSON.stringify(fixed)) }),
  );
}

/** `v` on this line was first used on line `first` (also called once a hashed candidate is confirmed). */
export function reportDuplicateId(ctx: LineContext, field: 'custom_id' | 'key', v: string, first: number, provider: FileState['provider']): void {
  const unique = uniqueId(v, ctx.line, provider === 'anthropic' ? 64 : Infinity);
  ctx.report(
    'duplicate-custom-id',
    'error',
    (l) => l.valueRange([field]),
    () => `${field} ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)} is already used on line ${first}. Results are matched by ${field}, so each must be unique: rename this one, e.g. to "${unique}".`,
    (_l, r) => ({ related: { line: first, message: `first use of ${field} ${JSON.stringify(v)}` }, fix: ctx.replace(`Make ${field} unique: "${unique}"`, r, JSON.stringify(unique)) }),
  );
}

function uniqueId(id: string, line: number, max: number): string {
  const suffix = `-${line}`;
  return id.slice(0, Math.max(0, max - suffix.length)) + suffix;
}

/** Top-level keys the provider does not know: a warning (some APIs reject them, all ignore them at best). */
export function checkUnknownKeys(ctx: LineContext, o: Record<string, unknown>, allowed: readonly string[], st: FileState, section: string): void {
  for (const k in o) {
    if (allowed.includes(k)) continue;
    ctx.report(
      'unknown-key',
      'warning',
      (l) => l.keyRange([k]),
      () => `Unknown top-level key ${JSON.stringify(k)}: ${PROVIDER_NAMES[st.provider]} batch lines have only ${allowed.join(', ')}, and extra keys may be rejected or ignored. Move it into "${section}" if it is a request parameter, or remove it.`,
    );
  }
}

/** Numbers outside a provider's temperature range: a warning, since some clamp and some reject. */
export function checkTemperature(ctx: LineContext, value: unknown, path: (string | number)[], max: number, provider: string): void {
  if (typeof value !== 'number' || (value >= 0 && value <= max)) return;
  ctx.report(
    'temperature-range',
    'warning',
    (l) => l.valueRange(path),
    () => `temperature ${value} is outside ${provider}'s range 0 to ${max}; the request may be rejected. Use a value between 0 and ${max}.`,
  );
}

/** One value per file (endpoint, model): the first line that names it sets it, later different lines are errors. */
export function checkSameAsFirst(
  ctx: LineContext,
  kind: 'endpoint' | 'model',
  value: string,
  path: (string | number)[],
  st: FileState,
  why: string,
): void {
  const first = st[kind];
  if (!first) {
    st[kind] = { value, line: ctx.line };
    return;
  }
  if (first.value === value) return;
  ctx.report(
    kind === 'endpoint' ? 'mixed-endpoint' : 'mixed-model',
    'error',
    (l) => l.valueRange(path),
    () => `This line uses ${kind} ${JSON.stringify(value)} but line ${first.line} uses ${JSON.stringify(first.value)}. ${why} Use ${JSON.stringify(first.value)} here, or move this request to another file.`,
    (_l, r) => ({ related: { line: first.line, message: `the file's ${kind} ${JSON.stringify(first.value)} is set here` }, fix: ctx.replace(`Use ${kind} "${first.value}"`, r, JSON.stringify(first.value)) }),
  );
}
