import type { CliIO } from '../../src/cli/io';
import { runCli } from '../../src/cli/run';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** A CliIO that keeps what a command printed, so tests assert on stdout and stderr apart. */
export function captureIO(opts: { env?: NodeJS.ProcessEnv; isTTY?: boolean; signal?: AbortSignal } = {}): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: opts.env ?? {}, isTTY: opts.isTTY ?? false, ...(opts.signal ? { signal: opts.signal } : {}) };
  return { io, out: () => out, err: () => err };
}

/** Runs `batchwise <argv>` in process and returns its exit code and output. */
export async function runCliCaptured(argv: string[], opts: { env?: NodeJS.ProcessEnv; isTTY?: boolean; signal?: AbortSignal } = {}): Promise<CliRun> {
  const c = captureIO(opts);
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}
