import { EXIT_USAGE, UsageError, type CliIO, type CommandRun } from './io';
import { runCli } from './run';

const io: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
};

const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.exitCode = 130;
});
io.signal = controller.signal;

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = process.exitCode ?? code;
  },
  (err: unknown) => {
    io.err(`batchwise: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_USAGE;
  },
);

export type { CommandRun };
