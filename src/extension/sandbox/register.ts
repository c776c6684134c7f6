import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { errorMessage } from '../errors';
import type { Emulator, EmulatorOptions } from '../../emulator';
import { SANDBOX_KEY, sandboxProfiles } from './sandboxProfiles';
import { getSandboxProfiles, setSandboxProfiles } from '../profiles';
import { openSample } from './samples';
import { showInformation } from '../notify';
import { loopbackOrigin } from '../../providers/profileList';

/**
 * The sandbox: the local emulator of the OpenAI, Anthropic and Gemini batch APIs, run inside the
 * extension host, plus one profile per provider pointing at it with a placeholder key, so a new
 * user submits and tracks a batch with no account. It lives in memory: it stops with the window,
 * and is started again on activation (same port when free) if it was running, so the sandbox
 * profiles never point at a dead URL.
 */

const STATE_KEY = 'batchwise.sandbox';
const SHARED_CHECK_MS = 15_000;
/** Context key for menus: `batchwise.sandboxRunning` shows Stop instead of Start. */
const RUNNING_CONTEXT = 'batchwise.sandboxRunning';
interface SandboxState {
  running: boolean;
  port?: number;
}

class Sandbox implements vscode.Disposable {
  private emulator: Emulator | undefined;
  private starting: Promise<{ url: string; port: number }> | undefined;
  /** Another process's emulator this window uses instead of its own. */
  private shared: { url: string; port: number } | undefined;
  private watch: ReturnType<typeof setInterval> | undefined;
  private readonly status = vscode.window.createStatusBarItem('batchwise.sandbox', vscode.StatusBarAlignment.Left, 10);

  constructor(private readonly ctx: BatchwiseContext) {
    this.status.name = 'Batchwise Sandbox';
    this.status.command = 'batchwise.startSandbox';
  }

  get url(): string | undefined {
    return this.emulator?.url ?? this.shared?.url;
  }

  /**
   * Starts on `port` when given and free, else on any free port. When `port` already answers as a
   * Batchwise emulator (the sandbox of another window, or `batchwise emulator`), it is shared
   * instead: every window then polls the same in-memory batches. Idempotent.
   */
  async start(port?: number): Promise<{ url: string; port: number }> {
    if (this.emulator) return this.emulator;
    if (this.shared) {
      if (await isEmulator(this.shared.url)) return this.shared;
      this.shared = undefined;
    }
    this.starting ??= this.launch(port).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(port?: number): Promise<{ url: string; port: number }> {
    // An emulator that already runs is shared: the one this window used last, else one the settings' profiles point
    // at (`npm run demo` starts one and configures it), so there is one sandbox, not two told apart by port.
    for (const url of [...(port ? [`http://127.0.0.1:${port}`] : []), ...this.configuredOrigins()]) {
      if (!(await isEmulator(url))) continue;
      const shared = { url, port: Number(new URL(url).port) };
      this.shared = shared;
      await this.publish(url, shared.port, true);
      this.watchShared(shared.port);
      return shared;
    }
    let emulator: Emulator;
    try {
      emulator = await startEmulator({ port: port ?? 0 });
    } catch (err) {
      if (!port) throw err;
      this.ctx.log.warn(`sandbox port ${port} is taken (${errorMessage(err)}); using another`);
      emulator = await startEmulator({ port: 0 });
    }
    this.emulator = emulator;
    await this.publish(emulator.url, emulator.port, false);
    return emulator;
  }

  /** When the window that owns a shared emulator closes, this one takes over on the same port, so the URL stays valid. */
  private watchShared(port: number): void {
    clearInterval(this.watch);
    this.watch = setInterval(() => {
      if (!this.shared || this.starting) return;
      void isEmulator(this.shared.url).then(async (alive) => {
        if (alive || !this.shared) return;
        clearInterval(this.watch);
        this.shared = undefined;
        this.ctx.log.info('the shared sandbox went away; starting one in this window');
        await this.start(port).catch((err: unknown) => this.ctx.log.error('sandbox failed to take over', err));
      });
    }, SHARED_CHECK_MS);
  }

  /** Origins on this machine that the settings' profiles point at. */
  private configuredOrigins(): string[] {
    return [...new Set(this.ctx.config.profiles.map((p) => loopbackOrigin(p.baseUrl)).filter((o): o is string => !!o))];
  }

  /** Points the sandbox profiles at `url`, with their placeholder keys, and remembers the port for the next activation. */
  private async publish(url: string, port: number, shared: boolean): Promise<void> {
    const profiles = sandboxProfiles(url);
    for (const p of profiles) await this.ctx.keys.set(p.name, SANDBOX_KEY);
    // Settings profiles at this emulator need no real key either (it takes any): never asked for one.
    for (const p of this.ctx.config.profiles) {
      if (loopbackOrigin(p.baseUrl) === url && !(await this.ctx.keys.get(p.name, p.provider))) await this.ctx.keys.set(p.name, SANDBOX_KEY);
    }
    setSandboxProfiles(profiles);
    await this.ctx.extension.globalState.update(STATE_KEY, { running: true, port } satisfies SandboxState);
    this.status.text = `$(beaker) Sandbox :${port}`;
    this.status.tooltip = `Batchwise sandbox (local emulator${shared ? ', shared with another window' : ''}) at ${url}\nProfiles: ${profiles.map((p) => p.name).join(', ')}`;
    this.status.show();
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, true).then(undefined, () => undefined);
    this.ctx.log.info(`sandbox emulator ${shared ? 'shared' : 'listening'} on ${url}`);
  }

  /** Stops the emulator. `remember`: false when the window closes (so the next activation starts it again). */
  async stop(remember: boolean): Promise<void> {
    const e = this.emulator;
    this.emulator = undefined;
    this.shared = undefined;
    clearInterval(this.watch);
    setSandboxProfiles([]);
    this.status.hide();
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false).then(undefined, () => undefined);
    if (remember) await this.ctx.extension.globalState.update(STATE_KEY, { running: false } satisfies SandboxState);
    if (e) {
      await e.close();
      this.ctx.log.info('sandbox emulator stopped');
    }
  }

  dispose(): void {
    // Deactivation: close the server but keep `running` so the next window brings the sandbox back.
    this.stop(false).catch((err: unknown) => this.ctx.log.error('sandbox did not stop cleanly', err));
    this.status.dispose();
  }
}

/** True when `url` answers like a Batchwise emulator (its unauthenticated stats route). */
/** The emulator's code is loaded when a sandbox first starts, not at activation. */
async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const { startEmulator: start } = await import('../../emulator/index.js');
  return start(opts);
}

async function isEmulator(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_emulator/stats`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export function registerSandbox(ctx: BatchwiseContext): void {
  const sandbox = ctx.register(new Sandbox(ctx));

  registerCommand(ctx, 'batchwise.startSandbox', async () => {
    const wasRunning = !!sandbox.url;
    let e: { url: string; port: number };
    try {
      e = await sandbox.start(ctx.extension.globalState.get<SandboxState>(STATE_KEY)?.port);
    } catch (err) {
      throw new Error(`the sandbox could not start: ${errorMessage(err)}`);
    }
    const profiles = getSandboxProfiles().map((p) => p.name).join(', ');
    const choice = await showInformation(
      `${wasRunning ? 'The sandbox is running' : 'Sandbox started'} at ${e.url}. Submit with the ${profiles} profiles: no API key needed.`,
      'Open Sample',
      'Stop Sandbox',
    );
    if (choice === 'Open Sample') await vscode.commands.executeCommand('batchwise.openSample');
    if (choice === 'Stop Sandbox') await vscode.commands.executeCommand('batchwise.stopSandbox');
  });

  registerCommand(ctx, 'batchwise.stopSandbox', async () => {
    if (!sandbox.url) {
      void showInformation('The Batchwise sandbox is not running.');
      return;
    }
    await sandbox.stop(true);
    void showInformation('Batchwise sandbox stopped. Jobs sent to it can no longer be refreshed.');
  });

  registerCommand(ctx, 'batchwise.openSample', () => openSample(ctx, !!sandbox.url));

  const state = ctx.extension.globalState.get<SandboxState>(STATE_KEY);
  if (state?.running) {
    sandbox.start(state.port).catch((err: unknown) => {
      ctx.log.error('sandbox failed to restart', err);
      void ctx.extension.globalState.update(STATE_KEY, { running: false } satisfies SandboxState);
    });
  }
}
