import type { IncomingMessage } from 'node:http';
import { HttpError, type ProviderKind } from './http';

/**
 * Any non-empty key is accepted; a missing one gets the provider's 401. Each provider's own header:
 * OpenAI `Authorization: Bearer` (Azure's `api-key` too), Anthropic `x-api-key` (or a bearer token),
 * Gemini `x-goog-api-key` or the `key` query parameter.
 */
export function checkApiKey(provider: ProviderKind, req: IncomingMessage, url: URL): void {
  const bearer = /^Bearer\s+(\S+)/i.exec(header(req, 'authorization'))?.[1] ?? '';
  switch (provider) {
    case 'openai':
      if (bearer || header(req, 'api-key')) return;
      throw new HttpError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", { code: 'invalid_api_key' });
    case 'azure':
      // https://learn.microsoft.com/azure/ai-foundry/openai/reference: `api-key` header, or `Authorization: Bearer` (Entra ID).
      if (header(req, 'api-key') || bearer) return;
      throw new HttpError(401, 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.', { code: '401' });
    case 'anthropic':
      if (header(req, 'x-api-key') || bearer) return;
      throw new HttpError(401, 'x-api-key header is required');
    case 'gemini':
      if (header(req, 'x-goog-api-key') || url.searchParams.get('key') || bearer) return;
      throw new HttpError(401, 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');
    default:
      return;
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}
