import { isJsonObject, type JsonObject } from '../json';
import type { LineOutcome } from '../status';

/** What one line of an OpenAI-format batch output or error file says: an answer body, or why there is none. */
export type BatchOutputReading =
  | { ok: true; body: JsonObject }
  | { ok: false; outcome: Extract<LineOutcome, 'errored' | 'expired' | 'canceled'>; code: string; message: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** The longest error text kept from an error object without a message (its JSON). */
const MAX_UNNAMED_ERROR = 300;

/**
 * An error value as the files carry it. OpenAI: `{code, message}`. vLLM `run-batch` (vllm/entrypoints/openai/
 * run_batch.py, BatchRequestOutput.error): a plain string for failures outside the server (bad URL, stream mode,
 * exceptions), or the server's ErrorResponse: `{error: {message, type, param, code}}` since vLLM 0.11, the flat
 * `{object: "error", message, type, param, code}` before. vLLM's `code` is the HTTP status as a number.
 */
function describe(error: unknown): { code?: string; message?: string } | undefined {
  if (typeof error === 'string') return error.trim() ? { message: error } : undefined;
  if (!isJsonObject(error)) return undefined;
  const inner = isJsonObject(error.error) ? error.error : error;
  const message = str(inner.message);
  const code = str(inner.code) ?? str(inner.type);
  if (message === undefined && code === undefined) {
    const json = JSON.stringify(error);
    return { message: json.length > MAX_UNNAMED_ERROR ? `${json.slice(0, MAX_UNNAMED_ERROR)}...` : json };
  }
  return { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}) };
}

/** A body that is itself an error answer (OpenAI `{error: {...}}`, vLLM's flat ErrorResponse). */
function isErrorBody(body: JsonObject): boolean {
  return body.object === 'error' || isJsonObject(body.error);
}

/**
 * Reads `{id, custom_id, response, error}` from OpenAI's Batch API, vLLM `run-batch` or Batchwise's runner.
 * `response` is `{status_code, request_id, body}` (OpenAI, vLLM >= 0.5) or, from vLLM 0.4.x, the completion itself.
 * Codes are always strings; a message is always there (the error's own text whenever the line has one).
 */
export function readBatchOutputLine(v: JsonObject): BatchOutputReading {
  const response = isJsonObject(v.response) ? v.response : undefined;
  const enveloped = response !== undefined && ('status_code' in response || 'body' in response || 'request_id' in response);
  const status = enveloped && typeof response.status_code === 'number' ? response.status_code : undefined;
  const body = enveloped ? (isJsonObject(response.body) ? response.body : undefined) : response;

  const failed = describe(v.error) ?? (body && (isErrorBody(body) || (status ?? 0) >= 400) ? describe(body) : undefined);
  if (!failed && body && (status === undefined || status < 400)) return { ok: true, body };

  const code = failed?.code ?? (status !== undefined ? `http_${status}` : 'no_response');
  const outcome = code === 'batch_expired' ? 'expired' : code === 'batch_cancelled' || code === 'batch_canceled' ? 'canceled' : 'errored';
  const message =
    failed?.message ??
    (outcome === 'expired'
      ? 'The batch expired before this request ran.'
      : outcome === 'canceled'
        ? 'The batch was canceled before this request ran.'
        : status !== undefined
          ? `The server answered HTTP ${status} with no error message.`
          : 'The line has neither a response nor an error.');
  return { ok: false, outcome, code, message };
}
