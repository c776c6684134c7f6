import { readJsonlFile } from '../core/jsonl';
import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { requestIdOf } from '../core/requestId';
import { rootOf } from '../core/results/merge';

/** Lines read to map per job refresh: errors beyond this keep only their retry-file line. */
const MAX_MAPPED = 200;

function idAt(text: string): string | undefined {
  try {
    return requestIdOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * A retry's input is a file of lines copied from the chain's original input (and maybe edited): an error the
 * provider reports on line 2 of the retry file is about, say, line 17 of the file the user knows. The line is found
 * by the request's custom_id (or Gemini key), so an edited retry file still maps. Errors gain `originalLine`;
 * a line whose id is not in the original (or a job that is not a retry) is left as it is.
 */
export async function withOriginalLines(store: JobStore, job: Job, parts: JobPart[]): Promise<JobPart[]> {
  if (!job.parentId) return parts;
  const wanted = new Set<number>();
  for (const p of parts) for (const e of p.errors) if (e.line !== undefined && e.originalLine === undefined && wanted.size < MAX_MAPPED) wanted.add(e.line);
  if (wanted.size === 0) return parts;
  const root = await rootOf(store, job);
  if (root.id === job.id || !root.inputPath) return parts;
  try {
    const idOfLine = new Map<number, string>();
    for await (const l of readJsonlFile(job.inputPath)) {
      if (!wanted.has(l.line)) continue;
      const id = idAt(l.text);
      if (id !== undefined) idOfLine.set(l.line, id);
      if (idOfLine.size === wanted.size) break;
    }
    const ids = new Set(idOfLine.values());
    const lineOfId = new Map<string, number>();
    if (ids.size) {
      // Most lines of a big original are not wanted: a substring test skips them without parsing.
      const needles = [...ids].map((id) => JSON.stringify(id));
      for await (const l of readJsonlFile(root.inputPath)) {
        if (!needles.some((n) => l.text.includes(n))) continue;
        const id = idAt(l.text);
        if (id !== undefined && ids.has(id) && !lineOfId.has(id)) lineOfId.set(id, l.line);
        if (lineOfId.size === ids.size) break;
      }
    }
    return parts.map((p) => ({
      ...p,
      errors: p.errors.map((e) => {
        const original = e.line !== undefined ? lineOfId.get(idOfLine.get(e.line) ?? '') : undefined;
        return original !== undefined && e.originalLine === undefined ? { ...e, originalLine: original } : e;
      }),
    }));
  } catch {
    // Either file is gone or unreadable: the retry-file line is still right, only less helpful.
    return parts;
  }
}
