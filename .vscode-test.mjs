// @vscode/test-cli configuration: `npm run test:vscode` runs test/vscode/*.test.ts inside a real VS Code.
// NEEDS THE INTERNET: @vscode/test-electron downloads VS Code (and it needs a display: use xvfb-run on Linux CI).
// Offline machines use the code-server suite instead: `npm run test:e2e`.
// The tests are compiled here (esbuild, one CJS file per test) so no extra build step is needed; the extension
// itself is built with `npm run build` first.
import { defineConfig } from '@vscode/test-cli';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const OUT = '.vscode-test/out/test/vscode'; // .vscode-test/ is git-ignored

const build = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('`node esbuild.mjs` failed: the extension under test could not be built');
await esbuild.build({
  entryPoints: readdirSync('test/vscode').filter((f) => f.endsWith('.test.ts')).map((f) => `test/vscode/${f}`),
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'mocha'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

export default defineConfig({
  label: 'in-host',
  files: `${OUT}/**/*.test.js`,
  workspaceFolder: './samples',
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'tdd', timeout: 20000 },
});
