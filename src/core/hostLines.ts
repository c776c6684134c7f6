import { HOSTS, type HostId } from './hosts';

/**
 * OpenAI batch lines -> a host's variant. Batchwise validates every file in OpenAI's format; hosts whose lines are only
 * `{"custom_id", "body"}` (Together, Novita, Fireworks, Mistral) get `method` and `url` dropped, and hosts that take the
 * model on the job (Fireworks, Mistral) get `body.model` dropped too. A line that needs no change is passed through as
 * is, byte for byte.
 */
export function toHostLine(text: string, host: HostId): string {
  const facts = HOSTS[host];
  const dropModel = facts.modelOnJob === 'job';
  if (!facts.bodyOnlyLines && !dropModel) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Validation stops such a line before submit; anything else is the host's to refuse, unchanged.
    return text;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return text;
  const line = value as Record<string, unknown>;
  let changed = false;
  if (facts.bodyOnlyLines) {
    for (const key of ['method', 'url']) {
      if (key in line) {
        delete line[key];
        changed = true;
      }
    }
  }
  const body = line.body;
  if (dropModel && typeof body === 'object' && body !== null && !Array.isArray(body) && 'model' in body) {
    delete (body as Record<string, unknown>).model;
    changed = true;
  }
  return changed ? JSON.stringify(line) : text;
}

/** Every line of a part converted for the host, streamed (memory stays one line). */
export async function* toHostLines(lines: AsyncIterable<string> | Iterable<string>, host: HostId): AsyncGenerator<string> {
  for await (const line of lines) yield toHostLine(line, host);
}
