// Child process: loads dist/extension.js with the stub `vscode` module, runs activate, and reports the time from
// the first require to activate's return, the commands registered and which dist/vendor files got loaded.
'use strict';
const Module = require('node:module');
const { join, sep } = require('node:path');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const stub = require('./vscodeStub.cjs');

const root = join(__dirname, '..', '..');
// VS Code's extension host (Node 22) logs "PendingMigrationError: navigator is now a global in nodejs" when
// extension code reads `navigator`: the same trap here records every read.
const navigatorReads = [];
Object.defineProperty(globalThis, 'navigator', {
  configurable: true,
  get() {
    navigatorReads.push(new Error('navigator read').stack.split('\n').slice(2, 4).join(' | ').trim());
    return undefined;
  },
});
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? stub.vscode : load.call(this, request, ...rest);
};
const ownHome = !process.env.BATCHWISE_HOME;
if (ownHome) process.env.BATCHWISE_HOME = mkdtempSync(join(tmpdir(), 'bw-activate-'));
const ctx = stub.extensionContext(root, process.env.BATCHWISE_HOME);

const t0 = performance.now();
const ext = require(join(root, 'dist', 'extension.js'));
const t1 = performance.now();
ext.activate(ctx);
const t2 = performance.now();
// What activation started in the background (the job store's first load) also runs before the report.
setImmediate(report);

function report() {
  const marker = `${sep}dist${sep}vendor${sep}`;
  const vendor = Object.keys(require.cache).filter((k) => k.includes(marker)).map((k) => k.slice(k.lastIndexOf(sep) + 1)).sort();
  process.stdout.write(
    JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0, commands: stub.registered.size, errors: stub.errors, subscriptions: ctx.subscriptions.length, vendor, maxRssMb: require('./peakRss.cjs').peakRssMb(), navigatorReads }) + '\n',
  );
  // Timers and watchers started by activate would keep the process alive: the figures are taken.
  if (ownHome) rmSync(process.env.BATCHWISE_HOME, { recursive: true, force: true });
  process.exit(0);
}
