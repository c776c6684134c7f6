import { isJsonObject } from '../../core/json';
import { HttpError } from '../http';

/**
 * A parameter the real endpoint rejects at request time (400 `invalid_request_error`), in its wording. In a batch
 * such a line is not a validation error: the batch runs and the line lands in the error file.
 */
export interface RequestFailure {
  message: string;
  param: string | null;
  code: string | null;
}

/** Smallest and largest `seconds` of `expires_after` / `output_expires_after` (openai-node files.d.ts, batches.d.ts). */
export const EXPIRES_AFTER_MIN_S = 3600;
export const EXPIRES_AFTER_MAX_S = 2_592_000;

/** The JSON type name the API's messages use ("got a string instead"); whole numbers are integers. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'decimal';
  return typeof value;
}

function wrongType(param: string, expected: 'an integer' | 'a decimal' | 'an object', value: unknown): RequestFailure {
  return { message: `Invalid type for '${param}': expected ${expected}, but got ${article(typeName(value))} instead.`, param, code: 'invalid_type' };
}

function article(name: string): string {
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function outOfRange(param: string, kind: 'integer' | 'decimal', value: number, min: number, max: number): RequestFailure | undefined {
  if (value < min) return { message: `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`, param, code: `${kind}_below_min_value` };
  if (value > max) return { message: `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`, param, code: `${kind}_above_max_value` };
  return undefined;
}

function integerIn(param: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): RequestFailure | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType(param, 'an integer', value);
  return outOfRange(param, 'integer', value, min, max);
}

function decimalIn(param: string, value: unknown, min: number, max: number): RequestFailure | undefined {
  if (typeof value !== 'number') return wrongType(param, 'a decimal', value);
  return outOfRange(param, 'decimal', value, min, max);
}

/** Checks an optional, nullable body field (the SDK types them `number | null`). */
function optional(body: Record<string, unknown>, param: string, check: (p: string, v: unknown) => RequestFailure | undefined): RequestFailure | undefined {
  const value = body[param];
  return value === undefined || value === null ? undefined : check(param, value);
}

const temperature = (p: string, v: unknown) => decimalIn(p, v, 0, 2);
const positiveInteger = (p: string, v: unknown) => integerIn(p, v, 1);

function chatFailure(body: Record<string, unknown>): RequestFailure | undefined {
  if (Array.isArray(body.messages) && body.messages.length === 0) {
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: 'messages', code: 'empty_array' };
  }
  return optional(body, 'max_tokens', positiveInteger) ?? optional(body, 'max_completion_tokens', positiveInteger) ?? optional(body, 'temperature', temperature);
}

/**
 * The first parameter of a structurally valid body that the endpoint would refuse. Covers the ranges the SDK
 * documents (`temperature` "between 0 and 2") and the ones the service enforces (`messages` non-empty, token caps >= 1).
 */
export function requestParamFailure(endpoint: string, body: Record<string, unknown>): RequestFailure | undefined {
  switch (endpoint) {
    case '/v1/chat/completions': return chatFailure(body);
    case '/v1/completions':
    case '/v1/responses': return optional(body, 'temperature', temperature);
    default: return undefined;
  }
}

function reject(failure: RequestFailure): never {
  throw new HttpError(400, failure.message, { param: failure.param, code: failure.code ?? undefined });
}

/**
 * `expires_after` (file upload) / `output_expires_after` (batch create): `{anchor: 'created_at', seconds}` with seconds
 * in [3600, 2592000]. Returns the seconds, or throws the 400 the real API answers.
 */
export function parseExpiresAfter(param: string, anchor: unknown, seconds: unknown): number {
  if (anchor === undefined || anchor === null) reject({ message: `Missing required parameter: '${param}.anchor'.`, param: `${param}.anchor`, code: 'missing_required_parameter' });
  if (anchor !== 'created_at') reject({ message: `Invalid value: ${JSON.stringify(anchor)}. Supported values are: 'created_at'.`, param: `${param}.anchor`, code: 'invalid_value' });
  if (seconds === undefined || seconds === null) reject({ message: `Missing required parameter: '${param}.seconds'.`, param: `${param}.seconds`, code: 'missing_required_parameter' });
  const failure = integerIn(`${param}.seconds`, seconds, EXPIRES_AFTER_MIN_S, EXPIRES_AFTER_MAX_S);
  if (failure) reject(failure);
  return seconds as number;
}

/** `output_expires_after` of a batch create body: undefined when absent. */
export function outputExpiresAfter(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) reject(wrongType('output_expires_after', 'an object', value));
  return parseExpiresAfter('output_expires_after', value.anchor, value.seconds);
}
