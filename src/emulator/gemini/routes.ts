import type { EmulatorDeps } from '../deps';
import type { Route } from '../router';

export function geminiRoutes(_deps: EmulatorDeps): Route[] {
  return [];
}
