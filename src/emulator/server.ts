import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkApiKey } from './auth';
import { delay, type EmulatorDeps } from './deps';
import { errorBody } from './errors';
import type { FaultInjector, FaultSpec } from './faults';
import { HttpError, parseJsonBody, readBody, sendJson, type ProviderKind, type RequestContext } from './http';
import { newId } from './ids';
import { requestLogLine } from './requestLog';
import { providerOfRequest, type Router } from './router';

export interface ServerParts {
  router: Router;
  deps: EmulatorDeps;
  faults: FaultInjector;
  log?: (line: string) => void;
}

export function createEmulatorServer({ router, deps, faults, log }: ServerParts): Server {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // handle() answers every error itself; this only guards against a socket that died while answering.
      if (!res.headersSent) res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      url = new URL('http://127.0.0.1/');
    }
    const path = url.pathname;
    const requestId = newId('req_', 20);
    let note: string | undefined;
    res.on('close', () => log?.(requestLogLine(method, path, res.headersSent ? res.statusCode : 0, Date.now() - started, note ?? (res.writableFinished ? undefined : 'connection closed'))));

    const matched = router.match(method, url, req);
    const provider: ProviderKind = 'route' in matched ? matched.route.provider : providerOfRequest(req, url);
    deps.stats.countRequest('route' in matched ? matched.route.key : 'unmatched');
    res.setHeader(provider === 'anthropic' ? 'request-id' : 'x-request-id', requestId);

    let bodyPromise: Promise<Buffer> | undefined;
    const ctx: RequestContext = {
      req,
      res,
      url,
      params: 'route' in matched ? matched.params : {},
      provider,
      requestId,
      origin: `http://${req.headers.host ?? '127.0.0.1'}`,
      body: () => (bodyPromise ??= readBody(req, deps.limits.maxBodyBytes)),
      json: async () => parseJsonBody(await ctx.body()),
    };

    try {
      const fault = provider === 'emulator' ? undefined : faults.take(method, path);
      if (fault) {
        note = 'fault injected';
        if (await applyFault(fault, ctx)) return;
      }
      if (!('route' in matched)) {
        throw new HttpError(matched.methodMismatch ? 405 : 404, matched.methodMismatch ? `Method ${method} is not allowed on ${path}.` : `Unknown endpoint ${method} ${path}.`);
      }
      if (matched.route.auth !== false) checkApiKey(provider, req, url);
      await matched.route.handler(ctx);
    } catch (err) {
      sendError(ctx, err);
    }
  }

  function sendError(ctx: RequestContext, err: unknown): void {
    const { res } = ctx;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const httpErr = err instanceof HttpError ? err : new HttpError(500, `The emulator failed on this request: ${err instanceof Error ? err.message : String(err)}`);
    const headers = { ...httpErr.detail.headers };
    // A body too large was not read to its end: close the connection rather than drain it.
    if (httpErr.status === 413) headers.Connection = 'close';
    sendJson(res, httpErr.status, errorBody(ctx.provider, httpErr, ctx.requestId), headers);
    if (httpErr.status === 413) res.on('finish', () => ctx.req.destroy());
  }

  /** Applies a fault; true when it answered (or dropped) the request so normal handling must not run. */
  async function applyFault(fault: FaultSpec, ctx: RequestContext): Promise<boolean> {
    await delay(fault.delayMs ?? 0);
    if (fault.hold) await faults.hold();
    if (fault.holdAfterBody) holdResponse(ctx.res);
    if (fault.dropConnection) {
      const hasBody = Number(ctx.req.headers['content-length'] ?? 0) > 0 || ctx.req.headers['transfer-encoding'] !== undefined;
      if (hasBody && !ctx.req.readableEnded) {
        await new Promise<void>((resolve) => {
          ctx.req.once('data', () => resolve());
          ctx.req.once('end', () => resolve());
          ctx.req.once('error', () => resolve());
        });
      }
      ctx.req.socket.destroy();
      return true;
    }
    if (fault.status === undefined) return false;
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    // Drain the request so the client reads our answer instead of a reset while it is still sending.
    ctx.req.resume();
    if (fault.body !== undefined) {
      sendJson(ctx.res, fault.status, fault.body, headers);
    } else {
      const message = fault.status === 429 ? 'Rate limit exceeded (injected by the emulator).' : `Injected fault: HTTP ${fault.status}.`;
      sendJson(ctx.res, fault.status, errorBody(ctx.provider, new HttpError(fault.status, message), ctx.requestId), headers);
    }
    return true;
  }

  /**
   * The handler runs at once; what it writes reaches the socket only after `release()`. The hold starts at its first
   * write, so `whenHeld` resolves once the request was acted on. A client that died meanwhile gets nothing.
   */
  function holdResponse(res: ServerResponse): void {
    let released: Promise<void> | undefined;
    const defer = <A extends unknown[]>(send: (...args: A) => unknown) =>
      ((...args: A) => {
        released ??= faults.hold();
        void released.then(() => (res.destroyed ? undefined : send(...args)));
        return true;
      }) as never;
    res.write = defer(res.write.bind(res));
    res.end = defer(res.end.bind(res));
  }

  return server;
}
