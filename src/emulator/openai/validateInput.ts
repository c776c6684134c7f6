import { isJsonObject } from '../../core/json';
import { jsonlLines } from '../files';
import type { AnswerShape, MarkerMemory, Outcome } from '../markers';
import { missingRequestField, outputLimitOf } from './replies';
import { requestParamFailure, type RequestFailure } from './requestParams';

export const MAX_TASKS = 50_000;
const MAX_REPORTED_ERRORS = 100;

/** One accepted input line: where it sits in the input file, and its fate decided at submission. */
export interface InputLine {
  customId: string;
  line: number;
  start: number;
  end: number;
  outcome: Outcome;
  /** Set when the endpoint refuses a parameter (outcome 'fail'): the 400 body its error-file line carries. */
  failure?: RequestFailure;
  /** How a succeeded answer is shaped (`[[truncate]]`, `[[refuse]]`), decided at submission. */
  shape?: AnswerShape;
  /** Filled the first time usage is computed (replies are deterministic, so once is enough). */
  tokens?: { input: number; output: number };
}

export interface BatchValidationError {
  code: string;
  line: number | null;
  message: string;
  param: string | null;
}

/** A host's own line checks (hostMode.ts inputRulesFor); empty for OpenAI. */
export interface InputRules {
  /** Who refuses, in messages ("Together AI"). */
  label?: string;
  /** Lines may be `{"custom_id", "body"}` without `method` and `url`. */
  bodyOnlyLines?: boolean;
  maxRequests?: number;
  maxCustomIdLength?: number;
}

export interface ValidatedInput {
  lines: InputLine[];
  errors: BatchValidationError[];
  model?: string;
}

/**
 * The checks the real service runs while a batch is `validating`; any error fails the whole batch with
 * `errors.data` naming the 1-based line. Blank lines are skipped.
 */
export function validateBatchInput(content: Buffer, endpoint: string, markers: MarkerMemory, rules: InputRules = {}): ValidatedInput {
  const maxTasks = rules.maxRequests ?? MAX_TASKS;
  const lines: InputLine[] = [];
  const errors: BatchValidationError[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  let requests = 0;
  const blank: number[] = [];
  const fail = (code: string, line: number | null, message: string, param: string | null = null) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ code, line, message, param });
  };

  // What Batchwise's validator warns about (rules/file.ts, BOM_EFFECT and BLANK_EFFECT) happens here: a byte order
  // mark stays in the first line, which then is not JSON, and a blank line is an invalid line. The validator and the
  // emulator say the same thing; Batchwise's own uploads strip both (core/split.ts readPartLines).
  for (const { line, start, end } of jsonlLines(content, { keepBom: true })) {
    const text = content.toString('utf8', start, end);
    if (text.trim() === '') {
      blank.push(line);
      continue;
    }
    requests += 1;
    if (requests > maxTasks) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail('invalid_json_line', line, 'This line is not parseable as valid JSON.');
      continue;
    }
    if (!isJsonObject(value)) {
      fail('invalid_json_line', line, 'This line must be a JSON object with custom_id, method, url and body.');
      continue;
    }
    const required = rules.bodyOnlyLines ? ['custom_id', 'body'] : ['custom_id', 'method', 'url', 'body'];
    const missing = required.find((k) => value[k] === undefined || value[k] === null);
    if (missing) {
      fail('missing_required_parameter', line, `Missing required parameter: '${missing}'.`, missing);
      continue;
    }
    if (typeof value.custom_id !== 'string' || value.custom_id === '') {
      fail('invalid_custom_id', line, 'custom_id must be a non-empty string.', 'custom_id');
      continue;
    }
    if (rules.maxCustomIdLength !== undefined && value.custom_id.length > rules.maxCustomIdLength) {
      fail('invalid_custom_id', line, `custom_id is ${value.custom_id.length} characters; ${rules.label ?? 'the service'} accepts at most ${rules.maxCustomIdLength}.`, 'custom_id');
      continue;
    }
    if (seen.has(value.custom_id)) {
      fail('duplicate_custom_id', line, 'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.', 'custom_id');
      continue;
    }
    seen.add(value.custom_id);
    if (!(rules.bodyOnlyLines && value.method === undefined) && value.method !== 'POST') {
      fail('invalid_method', line, `The method for this request is "${String(value.method)}"; only POST is supported.`, 'method');
      continue;
    }
    if (!(rules.bodyOnlyLines && value.url === undefined) && value.url !== endpoint) {
      fail('url_mismatch', line, `The URL provided for this request (${String(value.url)}) does not match the batch endpoint (${endpoint}).`, 'url');
      continue;
    }
    if (!isJsonObject(value.body)) {
      fail('invalid_request', line, 'body must be a JSON object.', 'body');
      continue;
    }
    const missingField = missingRequestField(endpoint, value.body);
    if (missingField) {
      fail('missing_required_parameter', line, `Missing required parameter: 'body.${missingField}'.`, `body.${missingField}`);
      continue;
    }
    const lineModel = typeof value.body.model === 'string' ? value.body.model : undefined;
    if (model === undefined) model = lineModel;
    else if (lineModel !== undefined && lineModel !== model) {
      fail('model_mismatch', line, `The model for this request (${lineModel}) does not match the model of the other requests in the batch (${model}). A batch must use a single model.`, 'body.model');
      continue;
    }
    // Parameters the endpoint refuses at request time do not fail the batch: the line fails on its own.
    const failure = requestParamFailure(endpoint, value.body);
    lines.push({ customId: value.custom_id, line, start, end, outcome: failure ? 'fail' : 'ok', ...(failure ? { failure } : {}) });
  }

  if (requests === 0) fail('empty_file', null, 'The input file is empty; a batch needs at least one request.');
  else for (const line of blank) fail('invalid_json_line', line, 'This line is empty; each line must be one JSON request.');
  if (requests > maxTasks) {
    errors.unshift({ code: 'too_many_tasks', line: null, message: `The input file has ${requests} requests; a batch can have at most ${maxTasks}. Split it into several batches.`, param: null });
  }
  // Markers are judged only for requests that will run, so neither a rejected batch nor a line refused for its
  // parameters uses up a [[fail-once]].
  if (errors.length === 0) {
    for (const l of lines) {
      if (l.failure) continue;
      const text = content.toString('utf8', l.start, l.end);
      l.outcome = markers.outcome(text, `openai:${l.customId}`);
      const shape = markers.shape(text, `openai:${l.customId}`, outputLimitOf((JSON.parse(text) as { body: Record<string, unknown> }).body));
      if (shape !== 'full') l.shape = shape;
    }
  }
  return { lines: errors.length ? [] : lines, errors, model };
}
