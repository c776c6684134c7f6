import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished as streamFinished } from 'node:stream/promises';

export interface CommandRun {
  exitCode: number | null;
  /** The signal that ended it, when it was killed. */
  signal: NodeJS.Signals | null;
  /** The last lines it wrote to stderr, for the message when it failed. */
  stderrTail: string;
}

/**
 * Runs a pipeline's command (an input command or an onComplete hook) through the shell, in the pipeline's folder,
 * with `env` added to the environment. stdout goes to `stdoutTo` (a file path or stream) or is dropped; stderr is
 * kept to the last 2 KB for the message. Abort kills it.
 */
export async function runShellCommand(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; stdoutTo?: string | Writable; signal?: AbortSignal }): Promise<CommandRun> {
  const out = typeof opts.stdoutTo === 'string' ? createWriteStream(opts.stdoutTo) : opts.stdoutTo;
  const child = spawn(command, { shell: true, cwd: opts.cwd, env: opts.env, stdio: ['ignore', out ? 'pipe' : 'ignore', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    tail = (tail + d).slice(-2048);
  });
  const finished = new Promise<CommandRun>((resolve, reject) => {
    child.once('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ABORT_ERR') return; // 'close' follows with the signal
      reject(err);
    });
    child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stderrTail: tail.trim() }));
  });
  if (out && child.stdout) child.stdout.pipe(out);
  const run = await finished;
  // The file is complete only once the pipe has flushed it (the pipe ends it when stdout ends).
  if (out && typeof opts.stdoutTo === 'string') await streamFinished(out);
  opts.signal?.throwIfAborted();
  return run;
}

/** "exited with 3: <stderr's last line>" / "was killed (SIGKILL)". */
export function describeRun(what: string, r: CommandRun): string {
  const last = r.stderrTail.split('\n').filter(Boolean).at(-1);
  return r.signal ? `${what} was killed (${r.signal})` : `${what} exited with ${r.exitCode}${last ? `: ${last}` : ''}`;
}
