// Bundles the extension (CJS, `vscode` external), the CLI and the webviews.
import * as esbuild from 'esbuild';
import { dirname } from 'node:path';
import { chmod, cp, mkdir, readdir, rm } from 'node:fs/promises';

const production = process.argv.includes('--production');
// Source maps in a production build (and so in the .vsix) only when asked for: they doubled the package.
const sourcemapWanted = process.argv.includes('--sourcemap');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? (sourcemapWanted ? 'linked' : false) : 'inline',
  sourcesContent: !production,
  logLevel: 'warning',
  legalComments: 'none',
};

/**
 * Heavy third-party code goes into its own file under dist/vendor/, required on first use: the provider SDKs when a
 * provider is created, the tokenizer encodings when an estimate runs. Start-up then parses only Batchwise's own code
 * (a `batchwise --help` in a few tens of ms instead of parsing 6 MB). Only these exact specifiers are split: they
 * hold no class our code checks with instanceof, so a separate copy of their dependencies is harmless.
 */
const VENDOR = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
  genai: '@google/genai',
  o200k_base: 'gpt-tokenizer/encoding/o200k_base',
  cl100k_base: 'gpt-tokenizer/encoding/cl100k_base',
  // Export writers (src/core/export), loaded only when exporting to that format.
  sqlite: 'node-sqlite3-wasm',
  parquet: 'hyparquet-writer',
  // Microsoft Entra ID sign-in (with MSAL) for Azure OpenAI profiles with `auth: "entra"` only.
  azure_identity: '@azure/identity',
};
const vendorOf = new Map(Object.entries(VENDOR).map(([file, spec]) => [spec, file]));

/** Resolves a vendor specifier (imported from dist/*.js) to its split file. */
const vendorPlugin = {
  name: 'vendor-split',
  setup(build) {
    const filter = new RegExp(`^(${[...vendorOf.keys()].map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `./vendor/${vendorOf.get(args.path)}.js`, external: true }));
  },
};

/**
 * Bundled code probes `navigator` to tell browsers from Node; in VS Code's extension host (Node 22) that access logs
 * "PendingMigrationError: navigator is now a global in nodejs". Batchwise's Node bundles always run in Node, so the
 * probe is answered at build time.
 */
const nodeDefine = { navigator: 'undefined', 'globalThis.navigator': 'undefined' };

/**
 * zod exposes its ~80 error-message locales as `z.locales`, so bundling `z` keeps all of them (300 KB, two thirds of
 * zod in the bundle, parsed at every start-up). Batchwise only ever uses English, the locale zod installs by default.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: args.importer.replace(/[\\/][^\\/]+[\\/][^\\/]+$/, '/locales/en.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: "export { default as en } from './en.js';", loader: 'js', resolveDir: dirname(args.path) }));
  },
};

/** @type {import('esbuild').BuildOptions[]} */
const vendorBuilds = Object.entries(VENDOR).map(([file, spec]) => ({
  ...common,
  stdin: { contents: `export * from '${spec}';${file === 'openai' || file === 'anthropic' ? ` export { default } from '${spec}';` : ''}`, resolveDir: '.', sourcefile: `vendor-${file}.js` },
  outfile: `dist/vendor/${file}.js`,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  mainFields: ['module', 'main'],
  define: nodeDefine,
  // Third-party code: its maps would only grow the .vsix.
  sourcemap: false,
}));

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
    plugins: [vendorPlugin, zodEnglishOnly],
    define: nodeDefine,
    // import() of a split file becomes require(): one module cache, and VS Code's loader sees every file.
    supported: { 'dynamic-import': false },
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
    plugins: [vendorPlugin, zodEnglishOnly],
    define: nodeDefine,
    // import() of a split file becomes require(): one module cache, and VS Code's loader sees every file.
    supported: { 'dynamic-import': false },
  },
  // The panels' webview bundles: dist/webview/<name>.js, loaded by src/extension/webviewHtml.ts.
  ...['results', 'dashboard', 'newBatch'].map((name) => ({
    ...common,
    entryPoints: { [name]: `src/webview/${name}/main.ts` },
    outdir: 'dist/webview',
    platform: 'browser',
    plugins: [zodEnglishOnly],
    format: 'iife',
    target: 'es2022',
  })),
];

const existing = [...vendorBuilds];
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
// A production build starts from an empty dist/: no stale map or bundle of an earlier build reaches the .vsix.
if (production) await rm('dist', { recursive: true, force: true });

if (watch) {
  for (const b of existing) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(existing.map((b) => esbuild.build(b)));
  // node-sqlite3-wasm loads its WebAssembly from beside the script: one .wasm for every platform (no native addon).
  await cp('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm', 'dist/vendor/node-sqlite3-wasm.wasm');
  await chmod('dist/cli.js', 0o755).catch(() => {});
}
