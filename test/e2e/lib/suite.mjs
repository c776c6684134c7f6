// One real VS Code window for a suite file: the environment (harness), Chromium and the workbench, started in
// before() with the Batchwise icon showing, stopped in after(). `check` wraps a test body so a failure names the
// screenshot and the logs (extension host, emulator) saved at that moment.
import { join } from 'node:path';
import { after, before } from 'node:test';
import { collectLogs, startEnvironment } from './harness.mjs';
import { launchBrowser, Workbench } from './workbench.mjs';

/**
 * @param {{ shotsDir: string, environment?: Parameters<typeof startEnvironment>[0], prepare?: (env: Awaited<ReturnType<typeof startEnvironment>>) => void | Promise<void> }} opts
 *   `prepare` runs after the environment starts and before the browser opens (e.g. adds workspace files).
 */
export function windowSuite({ shotsDir, environment = {}, prepare }) {
  /** @type {{ env?: Awaited<ReturnType<typeof startEnvironment>>, browser?: import('playwright-core').Browser, wb?: Workbench }} */
  const s = {};
  before(async () => {
    s.env = await startEnvironment(environment);
    await prepare?.(s.env);
    s.browser = await launchBrowser(s.env.setup.chromium, s.env.setup.home);
    s.wb = await Workbench.open(s.browser, { url: s.env.url, shotsDir });
    await s.wb.expectVisible(s.wb.activityIcon(), 'the Batchwise icon in the activity bar', 60000);
  });
  after(async () => {
    await s.browser?.close().catch(() => {});
    await s.env?.stop();
  });
  return {
    /** @returns {Awaited<ReturnType<typeof startEnvironment>>} */
    get env() {
      return /** @type {any} */ (s.env);
    },
    /** @returns {Workbench} */
    get wb() {
      return /** @type {any} */ (s.wb);
    },
    /** Runs `fn`; on failure adds the screenshot and saved logs to the error; always leaves no menu or dialog open. */
    async check(name, fn) {
      try {
        await fn();
      } catch (e) {
        const shot = s.wb ? await s.wb.shot(`FAILED ${name}`) : '(no browser)';
        const logs = s.env ? collectLogs(s.env.dirs.ud, join(shotsDir, 'logs'), [join(s.env.runDir, 'emulator.log')]) : [];
        e.message = `${name}: ${e.message}\n  failure screenshot: ${shot}\n  logs: ${logs.length ? join(shotsDir, 'logs') : '(none found)'}`;
        throw e;
      } finally {
        await s.wb?.resetUi().catch(() => {});
      }
    },
  };
}
