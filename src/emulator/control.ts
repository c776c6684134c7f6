import { isJsonObject } from '../core/json';
import type { EmulatorDeps } from './deps';
import { faultFromJson, type FaultInjector } from './faults';
import { HttpError, sendJson } from './http';
import type { Route } from './router';

/** `/_emulator/*`: fault injection, statistics and the clock for tests running in another process. No API key needed. */
export function controlRoutes(deps: EmulatorDeps, faults: FaultInjector): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/_emulator/faults',
      provider: 'emulator',
      auth: false,
      handler: async (ctx) => {
        const value = await ctx.json();
        const specs = Array.isArray(value) ? value : [value];
        const parsed = specs.map(faultFromJson);
        const bad = parsed.find((p): p is string => typeof p === 'string');
        if (bad) throw new HttpError(400, `Invalid fault: ${bad}.`);
        for (const spec of parsed) if (typeof spec !== 'string') faults.add(spec);
        sendJson(ctx.res, 200, { added: parsed.length, pending: faults.pending });
      },
    },
    {
      method: 'DELETE',
      pattern: '/_emulator/faults',
      provider: 'emulator',
      auth: false,
      handler: (ctx) => {
        faults.clear();
        sendJson(ctx.res, 200, { pending: 0 });
      },
    },
    {
      // Answers once at least `min` (default 1) requests wait in a `hold` fault, or after `timeoutMs` (default 30 s)
      // with what is held then: a test in another process waits for the exact moment instead of sleeping.
      method: 'GET',
      pattern: '/_emulator/faults/held',
      provider: 'emulator',
      auth: false,
      handler: async (ctx) => {
        const min = Number(ctx.url.searchParams.get('min') ?? 1);
        const timeoutMs = Number(ctx.url.searchParams.get('timeoutMs') ?? 30_000);
        if (!Number.isInteger(min) || min < 0 || !Number.isFinite(timeoutMs) || timeoutMs < 0) throw new HttpError(400, 'min must be a whole number and timeoutMs a number of milliseconds, both at least 0.');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([faults.whenHeld(min), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
        sendJson(ctx.res, 200, { held: faults.held, pending: faults.pending });
      },
    },
    {
      method: 'POST',
      pattern: '/_emulator/faults/release',
      provider: 'emulator',
      auth: false,
      handler: (ctx) => sendJson(ctx.res, 200, { released: faults.release(), pending: faults.pending }),
    },
    {
      method: 'GET',
      pattern: '/_emulator/clock',
      provider: 'emulator',
      auth: false,
      handler: (ctx) => sendJson(ctx.res, 200, { nowMs: deps.clock.now(), tickMs: deps.clock.tickMs }),
    },
    {
      // Body `{ "ticks": n }` or `{ "ms": n }`: moves the clock forward (e.g. past a batch's expires_at).
      method: 'POST',
      pattern: '/_emulator/clock',
      provider: 'emulator',
      auth: false,
      handler: async (ctx) => {
        const body = await ctx.json();
        const ticks = isJsonObject(body) ? body.ticks : undefined;
        const ms = isJsonObject(body) ? body.ms : undefined;
        const step = typeof ticks === 'number' ? ticks * deps.clock.tickMs : ms;
        if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
          throw new HttpError(400, 'Send {"ticks": n} or {"ms": n} with a number of at least 0 (the clock only moves forward).');
        }
        sendJson(ctx.res, 200, { nowMs: deps.clock.advance(step), tickMs: deps.clock.tickMs });
      },
    },
    {
      method: 'GET',
      pattern: '/_emulator/stats',
      provider: 'emulator',
      auth: false,
      handler: (ctx) => sendJson(ctx.res, 200, deps.stats.toJSON()),
    },
    {
      method: 'DELETE',
      pattern: '/_emulator/stats',
      provider: 'emulator',
      auth: false,
      handler: (ctx) => {
        deps.stats.reset();
        sendJson(ctx.res, 200, deps.stats.toJSON());
      },
    },
  ];
}
