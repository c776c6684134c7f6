import { CliError, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, type CliIO, type CommandRun } from './io';
import { dirname, resolve } from 'node:path';
import { isAbortError } from './errors';
import { fsReason } from './inputFile';
import { defaultHome } from '../providers';
import { SubmitInterrupted } from '../jobs/submit';
import { run as validate } from './commands/validate';
import { run as estimate } from './commands/estimate';
import { run as split } from './commands/split';
import { run as convert } from './commands/convert';
import { run as submit } from './commands/submit';
import { run as status } from './commands/status';
import { run as results } from './commands/results';
import { run as retry } from './commands/retry';
import { run as cancel } from './commands/cancel';
import { run as list } from './commands/list';
import { run as runLocal } from './commands/runLocal';
import { run as emulator } from './commands/emulator';

const COMMANDS: Record<string, { run: CommandRun; usage: string }> = {
  validate: { run: validate, usage: 'validate <file> [--provider auto|openai|anthropic|gemini] [--json]' },
  estimate: { run: estimate, usage: 'estimate <file> [--provider P] [--model M] [--pricing FILE] [--json]' },
  split: { run: split, usage: 'split <file> [--max-requests N] [--max-bytes N|KB|MB|GB] [--provider P] --out-dir DIR [--json]' },
  convert: { run: convert, usage: 'convert <file> --to openai|anthropic|gemini [--out FILE] [--model M] [--max-tokens N] [--json]' },
  submit: { run: submit, usage: 'submit <file> [--provider P] [--base-url URL] [--name N] [--model M] [--force] [--json]' },
  status: { run: status, usage: 'status <job> [--watch] [--interval S] [--json]' },
  results: { run: results, usage: 'results <job> [--out FILE] [--failed-out FILE] [--json]' },
  retry: { run: retry, usage: 'retry <job> [--json]' },
  cancel: { run: cancel, usage: 'cancel <job> [--json]' },
  list: { run: list, usage: 'list [--json]' },
  run: { run: runLocal, usage: 'run <file> --base-url URL [--concurrency N] [--out FILE] [--json]' },
  emulator: { run: emulator, usage: 'emulator [--port N] [--tick-ms N] [--latency-ms N]' },
};

export function usage(): string {
  return ['usage: batchwise <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  batchwise ${c.usage}`), ''].join('\n');
}

/** Dispatches to a command; every error becomes a message and an exit code, never a stack trace. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.out : io.err)(usage());
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${process.env.BATCHWISE_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`batchwise: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: batchwise ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`batchwise ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.err(`batchwise ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof SubmitInterrupted) {
      io.err(`batchwise ${name}: ${err.message}\n`);
      return EXIT_INTERRUPTED;
    }
    if (isAbortError(err) || io.signal?.aborted) {
      io.err(`batchwise ${name}: interrupted\n`);
      return EXIT_INTERRUPTED;
    }
    io.err(`batchwise ${name}: ${errorText(err, io.env)}\n`);
    return EXIT_USAGE;
  }
}

/** An unexpected error as one line: its message (never a stack, never "[object Object]"), or its Node error code. */
export function errorText(err: unknown, env: NodeJS.ProcessEnv = {}): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.path) {
    // A file system error: the path and a plain reason instead of "ENOTDIR: not a directory, scandir '...'".
    const home = defaultHome(env);
    const inHome = resolve(e.path).startsWith(resolve(home));
    // A temp file (written, then renamed over the target) is an implementation detail: name its folder.
    const temp = /[\\/]\.[^\\/]+\.tmp$/.test(e.path);
    const what = temp ? `write in ${dirname(e.path)}` : `${e.syscall === 'scandir' || e.syscall === 'read' ? 'read' : e.syscall === 'open' ? 'open' : 'write'} ${e.path}`;
    return `cannot ${what}: ${fsReason(e)}${inHome ? `. That is in the job store ${home} (BATCHWISE_HOME): make it a writable directory, or point BATCHWISE_HOME at one` : ''}`;
  }
  if (err instanceof Error) return err.message || err.name || 'unexpected error';
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
