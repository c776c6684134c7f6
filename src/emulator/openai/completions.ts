import { createHash } from 'node:crypto';
import { delay, type EmulatorDeps } from '../deps';
import { HttpError, jsonObject, sendJson, type RequestContext } from '../http';
import { FAIL, FAIL_ONCE } from '../markers';
import type { Route } from '../router';
import { missingRequestField, OPENAI_ENDPOINTS, openaiReply, outputLimitOf } from './replies';
import { requestParamFailure } from './requestParams';

/**
 * The endpoints answered at once (used by the self-hosted runner). Markers here: `[[fail]]` -> 400 every time;
 * `[[fail-once]]` -> 500 the first time this exact request body is seen (a retry then succeeds); `[[expire]]` has
 * no meaning outside a batch and is answered normally. Only chat completions and embeddings count in the
 * concurrency statistics, and `latencyMs` delays their replies.
 */
export function openaiCompletionRoutes(deps: EmulatorDeps): Route[] {
  const seenFailOnce = new Set<string>();
  return OPENAI_ENDPOINTS.map((endpoint) => ({
    method: 'POST',
    pattern: endpoint,
    provider: 'openai' as const,
    handler: async (ctx: RequestContext) => {
      const tracked = endpoint === '/v1/chat/completions' || endpoint === '/v1/embeddings';
      const leave = tracked ? deps.stats.enterCompletion() : undefined;
      if (leave) ctx.res.on('close', leave);
      try {
        const body = await jsonObject(ctx);
        if (body.stream === true) throw new HttpError(400, 'The emulator does not stream; send the request without "stream": true.', { param: 'stream' });
        const missing = missingRequestField(endpoint, body);
        if (missing) throw new HttpError(400, `Missing required parameter: '${missing}'.`, { param: missing, code: 'missing_required_parameter' });
        const refused = requestParamFailure(endpoint, body);
        if (refused) throw new HttpError(400, refused.message, { param: refused.param, code: refused.code ?? undefined });
        const text = JSON.stringify(body);
        if (tracked) await delay(deps.latencyMs);
        if (text.includes(FAIL)) throw new HttpError(400, 'The emulator failed this request on purpose (it carries [[fail]]).', { code: 'emulated_failure' });
        if (text.includes(FAIL_ONCE)) {
          const key = createHash('sha256').update(text).digest('hex');
          if (!seenFailOnce.has(key)) {
            if (seenFailOnce.size > 100_000) seenFailOnce.clear();
            seenFailOnce.add(key);
            throw new HttpError(500, 'The emulator failed this request once on purpose (it carries [[fail-once]]); retry it.', { code: 'emulated_failure' });
          }
        }
        // The same answer markers as in a batch; a direct request has no custom_id, so its body without the token
        // limits names it (a resend with a raised limit is the same request).
        const { max_tokens: _a, max_completion_tokens: _b, max_output_tokens: _c, ...rest } = body;
        const shape = deps.markers.shape(text, `direct:${createHash('sha256').update(JSON.stringify(rest)).digest('hex')}`, outputLimitOf(body));
        sendJson(ctx.res, 200, openaiReply(endpoint, body, deps.clock.now(), `${ctx.requestId}`, shape).body);
      } finally {
        if (ctx.res.writableFinished) leave?.();
      }
    },
  }));
}
