import type { IncomingMessage } from 'node:http';
import type { ProviderKind, RequestContext } from './http';

export interface Route {
  method: string;
  /** A path with `{name}` parameters, e.g. `/v1/batches/{id}/cancel` or `/v1beta/batches/{id}:cancel`. */
  pattern: string;
  provider: ProviderKind;
  /** False for routes that carry their own credential (the Gemini upload URL) or none (/_emulator). */
  auth?: boolean;
  /**
   * Whether this route takes the request, when its path alone cannot tell: Gemini's `/v1/files` and `/v1/batches`
   * share their paths with OpenAI's and are told apart by the Google headers (see isGoogleRequest).
   */
  accepts?: (req: IncomingMessage, url: URL) => boolean;
  handler: (ctx: RequestContext) => Promise<void> | void;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
  key: string;
}

export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(routes: Route[]): void {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.pattern
        .split(/(\{[a-zA-Z]+\})/)
        .map((piece) => {
          const param = /^\{([a-zA-Z]+)\}$/.exec(piece);
          if (!param) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]);
          return '([^/:]+)';
        })
        .join('');
      this.routes.push({ ...route, regex: new RegExp(`^${source}$`), names, key: `${route.method} ${route.pattern}` });
    }
  }

  /** The route for this request; `methodMismatch` when the path exists under another method. */
  match(method: string, url: URL, req: IncomingMessage): RouteMatch | { methodMismatch: boolean } {
    const path = url.pathname;
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m || (route.accepts && !route.accepts(req, url))) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return { route, params };
    }
    return { methodMismatch };
  }
}

/**
 * A request from a Google client: the `@google/genai` SDK always sends `x-goog-api-client` and, with an API key,
 * `x-goog-api-key`; REST callers may pass `?key=` instead. OpenAI and Anthropic clients send none of these.
 */
export function isGoogleRequest(req: IncomingMessage, url: URL): boolean {
  return req.headers['x-goog-api-key'] !== undefined || req.headers['x-goog-api-client'] !== undefined || url.searchParams.has('key');
}

/** Which provider's conventions apply to a request nobody routes (for the 404's shape). */
export function providerOfRequest(req: IncomingMessage, url: URL): ProviderKind {
  const path = url.pathname;
  if (path.startsWith('/_emulator')) return 'emulator';
  if (/^\/(upload\/|download\/)?v1(beta|alpha)?\//.test(path) && isGoogleRequest(req, url)) return 'gemini';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (/^\/(upload\/|download\/)?v1(beta|alpha)?\//.test(path) && !path.startsWith('/v1/')) return 'gemini';
  return 'openai';
}
