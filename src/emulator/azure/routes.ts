import { isJsonObject } from '../../core/json';
import { HttpError, type RequestContext } from '../http';
import type { Route } from '../router';

/**
 * Azure OpenAI's batch surface over the emulator's OpenAI Files + Batches (same stores, same behaviour), the way the
 * service lays it out (MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/includes/batch/batch-rest.md):
 * `{endpoint}/openai/files`, `/openai/batches`, `/openai/batches/{id}`, `/openai/batches/{id}/cancel`,
 * `/openai/files/{id}/content`, each with `?api-version=...`, authenticated by the `api-key` header or an Entra ID
 * bearer token (checkApiKey's `azure` case).
 */
export function azureRoutes(openaiRoutes: readonly Route[]): Route[] {
  return openaiRoutes
    .filter((r) => /^\/v1\/(files|batches)\b/.test(r.pattern))
    .map((r) => ({
      ...r,
      pattern: r.pattern.replace(/^\/v1\//, '/openai/'),
      provider: 'azure' as const,
      handler: (ctx: RequestContext) => {
        requireApiVersion(ctx.url);
        return r.handler(r.method === 'POST' && r.pattern === '/v1/batches' ? withVersionedEndpoint(ctx) : ctx);
      },
    }));
}

/**
 * Without `api-version` Azure answers 404 `{"error":{"code":"404","message":"Resource not found"}}`, not a 400 naming
 * the parameter (MicrosoftDocs/azure-docs issue 114602; the same body in many client bug reports): played as such.
 */
function requireApiVersion(url: URL): void {
  if (!url.searchParams.get('api-version')) throw new HttpError(404, 'Resource not found', { code: '404' });
}

/** Azure's create names the endpoint without `/v1` (`"endpoint": "/chat/completions"`); the OpenAI store keys on `/v1/...`. */
function withVersionedEndpoint(ctx: RequestContext): RequestContext {
  return {
    ...ctx,
    json: async () => {
      const body = await ctx.json();
      if (isJsonObject(body) && typeof body.endpoint === 'string' && body.endpoint.startsWith('/') && !body.endpoint.startsWith('/v1/')) {
        return { ...body, endpoint: `/v1${body.endpoint}` };
      }
      return body;
    },
  };
}
