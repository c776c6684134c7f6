import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import type { LoadedPipeline } from '../../core/pipeline/load';
import { runPipelineCycle, type CycleReport } from '../../jobs/pipeline/cycle';
import { progressText, reportText } from './cycleText';
import { showInformation, showWarning, withProgress } from '../notify';
import { extensionCycleDeps } from './cycleDeps';

/**
 * Run Now: one cycle followed to its end in the background, behind a cancellable progress notification. One run per
 * pipeline per window (a second Run Now says it is running); another process's cycle of the same pipeline is
 * attached to by the cycle itself (its lock), never submitted twice.
 */
export class PipelineRunner {
  private readonly running = new Map<string, Promise<CycleReport | undefined>>();

  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly onProgress: () => void,
  ) {}

  isRunning(file: string): boolean {
    return this.running.has(file);
  }

  async runNow(loaded: LoadedPipeline): Promise<CycleReport | undefined> {
    const name = loaded.pipeline.name;
    if (this.running.has(loaded.file)) {
      void showInformation(`Batchwise: pipeline "${name}" is already running; its progress is in the Pipelines view.`);
      return undefined;
    }
    const run = this.run(loaded).finally(() => this.running.delete(loaded.file));
    this.running.set(loaded.file, run);
    return run;
  }

  private async run(loaded: LoadedPipeline): Promise<CycleReport | undefined> {
    const name = loaded.pipeline.name;
    const ac = new AbortController();
    let report: CycleReport | undefined;
    await withProgress({ location: vscode.ProgressLocation.Notification, title: `Pipeline "${name}"`, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => ac.abort());
      progress.report({ message: 'starting' });
      const deps = await extensionCycleDeps(this.ctx, loaded, {
        signal: ac.signal,
        onEvent: (e) => {
          this.ctx.log.info(`pipeline ${name}: ${JSON.stringify(e)}`);
          const text = progressText(e);
          if (text) progress.report({ message: text });
          this.onProgress();
        },
      });
      if (!deps) return;
      try {
        report = await runPipelineCycle(loaded, deps, { wait: true, trigger: 'manual' });
      } catch (err) {
        if (!ac.signal.aborted) throw err;
      }
    });
    this.onProgress();
    if (ac.signal.aborted && !report) {
      void showInformation(`Batchwise: stopped following pipeline "${name}". Its cycle is kept where it is: Run Now again (or batchwise pipeline run) continues it, and a submitted batch goes on at the provider.`);
      return undefined;
    }
    if (!report) return undefined;
    const buttons = report.job ? ['Open Results'] : [];
    const text = `Batchwise: ${reportText(report)}`;
    const good = report.status === 'completed' || report.status === 'running';
    void (good ? showInformation(text, ...buttons) : showWarning(text, ...buttons)).then(
      async (pick) => {
        if (pick === 'Open Results' && report?.job) await vscode.commands.executeCommand('batchwise.job.openResults', report.job);
      },
      () => undefined,
    );
    return report;
  }
}
