// Bundles the extension (CJS, `vscode` external), the CLI and the results webview.
import * as esbuild from 'esbuild';
import { chmod, cp, mkdir, readdir } from 'node:fs/promises';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? 'linked' : 'inline',
  sourcesContent: !production,
  logLevel: 'warning',
  legalComments: 'none',
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // jsonc-parser's UMD `main` requires files esbuild cannot see; its ESM build bundles cleanly.
    mainFields: ['module', 'main'],
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: { results: 'src/webview/results/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

const existing = [];
for (const b of builds) {
  const entry = Object.values(b.entryPoints)[0];
  try {
    await import('node:fs').then((fs) => fs.promises.access(entry));
    existing.push(b);
  } catch {
    // an entry that does not exist yet is skipped so partial trees still build
  }
}

// The sample files ship inside the .vsix (media/ is packaged) for "Open a Sample File" and the sandbox.
async function copySamples() {
  await mkdir('media/samples', { recursive: true });
  for (const name of await readdir('samples').catch(() => [])) {
    if (name.endsWith('.jsonl')) await cp(`samples/${name}`, `media/samples/${name}`);
  }
}
await copySamples();

if (watch) {
  for (const b of existing) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(existing.map((b) => esbuild.build(b)));
  await chmod('dist/cli.js', 0o755).catch(() => {});
}
