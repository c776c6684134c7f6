import { HOSTS, hostStatusOf, type HostId } from '../../core/hosts';
import { HttpError } from '../http';
import type { InputRules } from './validateInput';

/**
 * The emulator's OpenAI Files + Batches playing an OpenAI-compatible host (`startEmulator({as: 'together'})`,
 * `batchwise emulator --as together`): the host's completion windows, upload purpose, line rules (limits, custom_id
 * length, lines without method/url), its status spellings and Together's `{"job": ...}` create answer, all from the
 * table in core/hosts.ts. Without a host every function here answers as OpenAI does.
 */

const HOUR_MS = 3_600_000;

/** The window a create asked for, in ms; a 400 naming the accepted values when the host (or OpenAI) refuses it. */
export function completionWindowMs(host: HostId | undefined, window: unknown): number {
  const accepted = host ? HOSTS[host].completionWindows : ['24h'];
  if (typeof window !== 'string' || !accepted.includes(window)) {
    throw new HttpError(400, `Invalid value for 'completion_window': ${JSON.stringify(window)}. Supported values are: ${accepted.map((w) => `'${w}'`).join(', ')}.`, { param: 'completion_window', code: 'invalid_value' });
  }
  const m = /^(\d+)([hd])$/.exec(window);
  return m ? Number(m[1]) * (m[2] === 'd' ? 24 : 1) * HOUR_MS : 24 * HOUR_MS;
}

/** Whether an uploaded file's purpose makes it batch input (Together's Files API says `batch-api`). */
export function isBatchPurpose(host: HostId | undefined, purpose: string): boolean {
  return purpose === 'batch' || (host !== undefined && HOSTS[host].uploadPurpose === purpose);
}

/** The checks the host runs on the input lines, beyond OpenAI's. */
export function inputRulesFor(host: HostId | undefined): InputRules {
  if (!host) return {};
  const facts = HOSTS[host];
  return {
    label: facts.label,
    ...(facts.bodyOnlyLines ? { bodyOnlyLines: true } : {}),
    ...(Number.isFinite(facts.limits.maxRequests) ? { maxRequests: facts.limits.maxRequests } : {}),
    ...(facts.limits.maxCustomIdLength !== undefined ? { maxCustomIdLength: facts.limits.maxCustomIdLength } : {}),
  };
}

/** A batch object as the host shows it: its status spelling. */
export function asHostBatch(host: HostId | undefined, batch: Record<string, unknown>): Record<string, unknown> {
  if (!host || typeof batch.status !== 'string') return batch;
  return { ...batch, status: hostStatusOf(host, batch.status) };
}

/** The create answer: Together wraps the batch as `{"job": {...}}` (docs.together.ai/reference/batch-create). */
export function createAnswer(host: HostId | undefined, batch: Record<string, unknown>): Record<string, unknown> {
  const shown = asHostBatch(host, batch);
  return host && HOSTS[host].wrapsCreate ? { job: shown } : shown;
}
