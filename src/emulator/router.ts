import type { ProviderKind, RequestContext } from './http';

export interface Route {
  method: string;
  /** A path with `{name}` parameters, e.g. `/v1/batches/{id}/cancel` or `/v1beta/batches/{id}:cancel`. */
  pattern: string;
  provider: ProviderKind;
  /** False for routes that carry their own credential (the Gemini upload URL) or none (/_emulator). */
  auth?: boolean;
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
  match(method: string, path: string): RouteMatch | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
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

/** Which provider's conventions apply to a path nobody routes (for the 404's shape). */
export function providerOfPath(path: string): ProviderKind {
  if (path.startsWith('/_emulator')) return 'emulator';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (/^\/(upload\/|download\/)?v1(beta|alpha)?\//.test(path) && !path.startsWith('/v1/')) return 'gemini';
  return 'openai';
}
