/** A fault to inject into matching requests, in process or through POST /_emulator/faults. */
export interface FaultSpec {
  method?: string;
  /** A string matches the URL path exactly (without query); a RegExp is tested against the path. */
  path: string | RegExp;
  /** Answer with this status (and the provider's error shape, or `body`) instead of handling the request. */
  status?: number;
  retryAfterSeconds?: number;
  body?: unknown;
  /** Destroy the socket: once the first body bytes arrive when the request has a body (mid-upload), else at once. */
  dropConnection?: boolean;
  /** Wait this long first; alone (no status, no drop) it only slows the request down. */
  delayMs?: number;
  /**
   * Hold the request (its body unread) until `release()`: a test sees it held (`whenHeld`) and acts at that exact
   * point (kills the client mid-upload, checks what the UI shows) without guessing a delay. Then it goes on as usual.
   */
  hold?: boolean;
  /**
   * Let the request be handled as usual (its body read, a batch created), then hold its RESPONSE until `release()`.
   * A test kills the client at that point: the provider acted, the client never heard back (a kill mid-create).
   */
  holdAfterBody?: boolean;
  /** How many requests it hits; unlimited until `clear()` when absent. */
  times?: number;
}

export class FaultInjector {
  private faults: { spec: FaultSpec; left: number }[] = [];
  private heldRequests: (() => void)[] = [];
  private heldWaiters: { min: number; resolve: () => void }[] = [];

  /** Resolves when the request is released (see `hold`). */
  hold(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.heldRequests.push(resolve);
      this.heldWaiters = this.heldWaiters.filter((w) => (this.heldRequests.length >= w.min ? (w.resolve(), false) : true));
    });
  }

  /** Requests waiting in a `hold` fault right now. */
  get held(): number {
    return this.heldRequests.length;
  }

  /** Resolves once at least `min` requests are held. */
  whenHeld(min = 1): Promise<void> {
    if (this.heldRequests.length >= min) return Promise.resolve();
    return new Promise<void>((resolve) => this.heldWaiters.push({ min, resolve }));
  }

  /** Lets every held request go on; returns how many there were. */
  release(): number {
    const held = this.heldRequests;
    this.heldRequests = [];
    for (const go of held) go();
    return held.length;
  }

  add(spec: FaultSpec): void {
    this.faults.push({ spec, left: spec.times ?? Infinity });
  }

  /** Removes every fault and releases what is held. */
  clear(): void {
    this.faults = [];
    this.release();
  }

  get pending(): number {
    return this.faults.length;
  }

  /** The first fault matching this request, consuming one of its `times`. */
  take(method: string, path: string): FaultSpec | undefined {
    const index = this.faults.findIndex(({ spec }) => {
      if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false;
      return typeof spec.path === 'string' ? spec.path === path : spec.path.test(path);
    });
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.left -= 1;
    if (fault.left <= 0) this.faults.splice(index, 1);
    return fault.spec;
  }
}

/** Parses a fault posted as JSON (`pathRegex` carries a RegExp source, since JSON has none). */
export function faultFromJson(value: unknown): FaultSpec | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const v = value as Record<string, unknown>;
  let path: string | RegExp;
  if (typeof v.pathRegex === 'string') {
    try {
      path = new RegExp(v.pathRegex);
    } catch (e) {
      return `pathRegex is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else if (typeof v.path === 'string' && v.path.startsWith('/')) {
    path = v.path;
  } else {
    return 'either "path" (starting with /) or "pathRegex" is required';
  }
  const spec: FaultSpec = { path };
  if (v.method !== undefined) {
    if (typeof v.method !== 'string') return '"method" must be a string';
    spec.method = v.method;
  }
  for (const key of ['status', 'retryAfterSeconds', 'delayMs', 'times'] as const) {
    const n = v[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return `"${key}" must be a non-negative number`;
    spec[key] = n;
  }
  if (spec.status !== undefined && (spec.status < 100 || spec.status > 599)) return '"status" must be an HTTP status (100-599)';
  if (v.dropConnection !== undefined) spec.dropConnection = v.dropConnection === true;
  if (v.hold !== undefined) spec.hold = v.hold === true;
  if (v.holdAfterBody !== undefined) spec.holdAfterBody = v.holdAfterBody === true;
  if (v.body !== undefined) spec.body = v.body;
  return spec;
}
