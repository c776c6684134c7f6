import { EXIT_USAGE, UsageError, type CliIO, type CommandRun } from './io';
import { runCli } from './run';
import { terminalText } from '../core/safeText';

/**
 * A reader that goes away (`batchwise validate big.jsonl | head`) makes the next write fail with EPIPE, which Node
 * throws as an unhandled 'error' event. The rest of the output is dropped instead, and the command still finishes
 * with its own exit code (1 when the file has errors).
 */
const closed = new WeakSet<NodeJS.WriteStream>();
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed.add(stream);
  });
}

// Only what reaches a terminal is neutralized: a pipe or a file gets the bytes as they are (--json already escapes).
const toTerminal = (stream: NodeJS.WriteStream) => (t: string) => {
  if (!closed.has(stream)) stream.write(stream.isTTY ? terminalText(t) : t);
};

const io: CliIO = {
  out: toTerminal(process.stdout),
  err: toTerminal(process.stderr),
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
