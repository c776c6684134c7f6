import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes of the contract: 0 success, 1 input has errors or a job failed, 2 usage or I/O error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl+C (128 + SIGINT), as shells report it; whatever was already done is recorded. */
export const EXIT_INTERRUPTED = 130;

/** Where a command writes. Tests pass buffers; main passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  signal?: AbortSignal;
}

/** A mistake in how the command was called, or a file that cannot be used: exit 2 with this message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already phrased for the user (what happened, what to do), with the exit code to return. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A whole-number option within bounds (undefined when absent); anything else is a UsageError naming the option. */
export function intOption(raw: string | undefined, name: string, min: number, max = Number.POSITIVE_INFINITY): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UsageError(`${name} must be a whole number ${range}, got "${raw}"`);
  }
  return n;
}

/** parseArgs with strict options; unknown flags become UsageErrors naming the flag. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${argsProblem(e)}\nusage: ${usage}`);
  }
}

/** node:util's parseArgs messages, shortened to what was wrong and how to write it instead. */
function argsProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (!option) return message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) return `${option} takes no value`;
    return `${option} needs a value, e.g. ${option} VALUE (write ${option}=VALUE for a value that starts with "-")`;
  }
  return message;
}

/** One JSON document on stdout, as the contract requires for --json. */
export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

export type CommandRun = (argv: string[], io: CliIO) => Promise<number>;
