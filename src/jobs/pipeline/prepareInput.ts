import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFile, loadTemplateFile, resolveTemplate, type TemplateFile } from '../../core/build';
import { ensureDir } from '../../core/fsAtomic';
import type { LoadedPipeline } from '../../core/pipeline/load';
import { describeRun, runShellCommand } from './shellCommand';

/** The cycle cannot have its requests: what is wrong with the input, and what to change. */
export class InputNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputNotReady';
  }
}

/**
 * The request file of a cycle: the pipeline's own file, or one built from its table with its template, or one its
 * command wrote (to $BATCHWISE_INPUT or stdout), in the cycle's folder so a resumed cycle submits the same requests.
 */
export async function prepareInput(loaded: LoadedPipeline, cycleFolder: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  const { input, provider, model } = loaded.pipeline;
  if ('file' in input) {
    const info = await stat(input.file).catch(() => undefined);
    if (!info?.isFile()) throw new InputNotReady(`input.file ${input.file} ${info ? 'is not a file' : 'does not exist'}: write the requests there, or change input.file in ${loaded.file}`);
    return input.file;
  }
  await ensureDir(cycleFolder);
  const target = join(cycleFolder, 'input.jsonl');
  if ('data' in input) {
    const file: TemplateFile = typeof input.template === 'string' ? await loadTemplateFile(input.template) : input.template;
    // The template's own target wins; a self-hosted server takes OpenAI's format.
    const template = resolveTemplate(file, { to: file.to ?? (provider === 'local' ? 'openai' : provider), ...(model && !file.model ? { model } : {}) });
    await buildFile(input.data, template, { out: target, signal });
    return target;
  }
  const fromStdout = join(cycleFolder, '.stdout.jsonl');
  await Promise.all([rm(target, { force: true }), rm(fromStdout, { force: true })]);
  const run = await runShellCommand(input.command, { cwd: loaded.dir, env: { ...env, BATCHWISE_INPUT: target }, stdoutTo: fromStdout, signal });
  if (run.exitCode !== 0) throw new InputNotReady(`${describeRun(`the input command "${input.command}"`, run)}; nothing was submitted`);
  const size = async (p: string) => (await stat(p).catch(() => undefined))?.size ?? 0;
  if ((await size(target)) > 0) {
    await rm(fromStdout, { force: true });
    return target;
  }
  if ((await size(fromStdout)) > 0) {
    await rename(fromStdout, target);
    return target;
  }
  throw new InputNotReady(`the input command "${input.command}" wrote no requests: print the JSONL lines to stdout, or write them to the file named by $BATCHWISE_INPUT`);
}
