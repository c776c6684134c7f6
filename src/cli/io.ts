import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes of the contract: 0 success, 1 input has errors or a job failed, 2 usage or I/O error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

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

/** parseArgs with strict options; unknown flags become UsageErrors naming the flag. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}\nusage: ${usage}`);
  }
}

/** One JSON document on stdout, as the contract requires for --json. */
export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

export type CommandRun = (argv: string[], io: CliIO) => Promise<number>;
