import type { HttpError, ProviderKind } from './http';

/** Renders an error the way the provider's real API does, so each SDK raises its own typed error. */
export function errorBody(provider: ProviderKind, err: HttpError, requestId: string): unknown {
  switch (provider) {
    case 'anthropic':
      return { type: 'error', error: { type: err.detail.type ?? anthropicType(err.status), message: err.message }, request_id: requestId };
    case 'gemini':
      return { error: { code: err.status, message: err.message, status: err.detail.type ?? googleStatus(err.status) } };
    case 'azure':
      // Azure's `{"error": {"code", "message"}}`, the code a string (the HTTP status where the service has no other).
      return { error: { code: err.detail.code ?? String(err.status), message: err.message, ...(err.detail.param ? { param: err.detail.param } : {}) } };
    default:
      return { error: { message: err.message, type: err.detail.type ?? openaiType(err.status), param: err.detail.param ?? null, code: err.detail.code ?? null } };
  }
}

function openaiType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function anthropicType(status: number): string {
  switch (status) {
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 529: return 'overloaded_error';
    default: return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function googleStatus(status: number): string {
  switch (status) {
    case 400: return 'INVALID_ARGUMENT';
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'PERMISSION_DENIED';
    case 404: return 'NOT_FOUND';
    case 409: return 'ALREADY_EXISTS';
    case 413: return 'INVALID_ARGUMENT';
    case 429: return 'RESOURCE_EXHAUSTED';
    case 503: return 'UNAVAILABLE';
    default: return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}
