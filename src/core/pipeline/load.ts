import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { levenshtein, nearest } from '../rules/nearest';
import { PipelineSchema, scheduleOf, type Pipeline } from './schema';
import { compileSchedule, ScheduleError } from './schedule';

/** A pipeline file that cannot be used: every problem with its line and column, and what to write instead. */
export class PipelineFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { line: number; column: number; message: string }[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
    this.name = 'PipelineFileError';
  }
}

/** A pipeline with its paths made absolute (relative ones are read from the pipeline file's folder). */
export interface LoadedPipeline {
  file: string;
  pipeline: Pipeline;
  /** The folder relative paths are read from; commands run there. */
  dir: string;
}

/** Reads, parses (YAML or JSON; JSON is YAML too, so positions come the same way) and validates a pipeline file. */
export async function loadPipeline(path: string): Promise<LoadedPipeline> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8');
  return parsePipeline(file, text);
}

export function parsePipeline(file: string, text: string): LoadedPipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    const kind = extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new PipelineFileError(file, doc.errors.slice(0, 5).map((e) => ({ ...at(e.pos[0]), message: `not valid ${kind}: ${e.message.split('\n')[0]}` })));
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = PipelineSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PipelineFileError(file, parsed.error.issues.slice(0, 10).map((issue) => ({ ...at(issue.code === 'unrecognized_keys' ? offsetOf(doc.contents, [...issue.path, issue.keys[0]!], true) : offsetOf(doc.contents, issue.path)), message: describeIssue(issue) })));
  }
  const pipeline = parsed.data;
  const schedule = scheduleOf(pipeline);
  if (schedule) {
    try {
      compileSchedule(schedule);
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      const key = typeof pipeline.schedule === 'string' ? ['schedule'] : err.message.startsWith('unknown time zone') ? ['schedule', 'timezone'] : ['schedule', 'cron'];
      throw new PipelineFileError(file, [{ ...at(offsetOf(doc.contents, key)), message: `schedule: ${err.message}` }]);
    }
  }
  const dir = dirname(file);
  return { file, dir, pipeline: withAbsolutePaths(pipeline, dir) };
}

function withAbsolutePaths(p: Pipeline, dir: string): Pipeline {
  const abs = (x: string) => (isAbsolute(x) ? x : resolve(dir, x));
  const input = 'file' in p.input ? { file: abs(p.input.file) } : 'data' in p.input ? { data: abs(p.input.data), template: typeof p.input.template === 'string' ? abs(p.input.template) : p.input.template } : p.input;
  return { ...p, input, ...(p.outputs ? { outputs: p.outputs.map(abs) } : {}) };
}

/** Where in the document a zod issue points: the deepest node on its path that exists. */
function offsetOf(root: unknown, path: readonly PropertyKey[], atKey = false): number {
  let node = root as YamlNode | null | undefined;
  let offset = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((i) => (i.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      if (atKey && i === path.length - 1) break;
      node = pair.value as YamlNode | null;
      if (typeof key === 'string' && node && (node as { range?: unknown }).range && !isMap(node) && !isSeq(node)) offset = (node as unknown as { range: [number, number, number] }).range[0];
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as YamlNode | undefined;
      if (!item) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

const TOP_FIELDS = Object.keys(PipelineSchema.shape);

/** One issue as a sentence: the field, what is wrong, and for an unknown field the one probably meant. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : 'the file';
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length === 0 ? TOP_FIELDS : [];
    const guess = (k: string) => {
      const n = known.length ? nearest(k, known) : undefined;
      return n && levenshtein(k.toLowerCase(), n.toLowerCase()) <= 3 ? ` (did you mean "${n}"?)` : '';
    };
    return `${issue.keys.map((k) => `unknown field "${k}"${guess(k)}`).join('; ')}${known.length ? `; the fields are ${known.join(', ')}` : ''}`;
  }
  if (issue.code === 'invalid_union' && issue.path[0] === 'input') return 'input: give one of {file: requests.jsonl}, {data: table.csv, template: {...}} or {command: "..."}';
  if (issue.code === 'invalid_union' && issue.path[0] === 'retries') return 'retries: a number of retries (0-10), or {max: N, only: [failed, truncated, ...], raiseMaxTokens: 2, enforceSchema: true}';
  if (issue.code === 'invalid_union' && issue.path[0] === 'schedule') return 'schedule: a cron expression such as "0 2 * * *", or {cron: "0 2 * * *", timezone: Europe/Berlin, catchUp: skip|once}';
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${where}: missing (required)`;
  return `${where}: ${issue.message}`;
}
