import { CliError, EXIT_INTERRUPTED, EXIT_USAGE, UsageError, type CliIO, type CommandRun } from './io';
import { dirname, resolve } from 'node:path';
import { isAbortError } from './errors';
import { fsReason } from './inputFile';
import { defaultHome } from '../providers/home';
import { SubmitInterrupted } from '../jobs/submit';

/** Each command's module is loaded when it is dispatched: `--help` or `validate` never parse the SDKs, the emulator or the tokenizer. */
type Load = () => Promise<{ run: CommandRun }>;

const COMMANDS: Record<string, { load: Load; usage: string }> = {
  validate: { load: () => import('./commands/validate.js'), usage: 'validate <file> [--provider auto|openai|azure|anthropic|gemini|local] [--json]' },
  estimate: { load: () => import('./commands/estimate.js'), usage: 'estimate <file> [--provider P] [--model M] [--pricing FILE] [--json]' },
  split: { load: () => import('./commands/split.js'), usage: 'split <file> [--max-requests N] [--max-bytes N|KB|MB|GB] [--max-tokens N] [--provider P] --out-dir DIR [--json]' },
  convert: { load: () => import('./commands/convert.js'), usage: 'convert <file> --to openai|anthropic|gemini [--out FILE] [--model M] [--max-tokens N] [--json]' },
  build: {
    load: () => import('./commands/build.js'),
    usage: 'build <data> [--template FILE] [--to openai|anthropic|gemini] [--model M] [--system TEXT] [--user TEXT] [--max-tokens N] [--id-column C] [--limit N] [--out FILE] [--json]',
  },
  submit: { load: () => import('./commands/submit.js'), usage: 'submit <file> [--provider P] [--base-url URL] [--name N] [--model M] [--max-cost USD] [--max-enqueued-tokens N] [--over-budget] [--force] [--on-complete CMD] [--json]' },
  status: { load: () => import('./commands/status.js'), usage: 'status <job> [--watch] [--interval S] [--on-complete CMD] [--json]' },
  results: { load: () => import('./commands/results.js'), usage: 'results <job> [--out FILE] [--failed-out FILE] [--json]' },
  export: { load: () => import('./commands/export.js'), usage: 'export <job> --to FILE.sqlite|.duckdb|.parquet|.csv|.jsonl [--table T] [--json]' },
  retry: { load: () => import('./commands/retry.js'), usage: 'retry <job> [--only failed,truncated,empty,refused,invalid_json,schema_mismatch] [--raise-max-tokens N] [--enforce-schema] [--json]' },
  cancel: { load: () => import('./commands/cancel.js'), usage: 'cancel <job> [--json]' },
  list: { load: () => import('./commands/list.js'), usage: 'list [--json]' },
  stats: { load: () => import('./commands/stats.js'), usage: 'stats [--since 7d|30d|90d|all|YYYY-MM-DD] [--by day|provider|model] [--provider P] [--model M] [--profile NAME] [--pipeline NAME] [--json]' },
  pipeline: { load: () => import('./commands/pipeline.js'), usage: 'pipeline run <file> [--wait] [--interval S] [--json]  |  batchwise pipeline list [DIR] [--json]' },
  serve: { load: () => import('./commands/serve.js'), usage: 'serve [--dir DIR] [--port N] [--host H]' },
  run: { load: () => import('./commands/runLocal.js'), usage: 'run <file> --base-url URL [--concurrency N] [--out FILE] [--json]' },
  emulator: { load: () => import('./commands/emulator.js'), usage: 'emulator [--port N] [--tick-ms N] [--latency-ms N] [--enqueued-token-limit N] [--batches-per-hour N]' },
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
    return await (await command.load()).run(rest, io);
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
