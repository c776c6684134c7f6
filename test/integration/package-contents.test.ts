// What the .vsix ships (issue 14): the production build in a scratch copy of the project, then the exact file list
// `vsce ls` would package. No source maps unless asked for, only the two encodings Batchwise counts with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = join(__dirname, '..', '..');

async function scratchProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-package-'));
  for (const name of ['src', 'samples', 'node_modules', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore']) await symlink(join(root, name), join(dir, name));
  // media/ gets the samples copied in by the build: a real folder with the shipped files linked.
  await mkdir(join(dir, 'media'));
  for (const name of await readdir(join(root, 'media'))) if (name !== 'samples') await symlink(join(root, 'media', name), join(dir, 'media', name));
  // vsce does not follow a linked folder: schemas/ is a real one, like media/.
  await mkdir(join(dir, 'schemas'));
  await copyFile(join(root, 'schemas', 'pipeline.schema.json'), join(dir, 'schemas', 'pipeline.schema.json'));
  await copyFile(join(root, 'esbuild.mjs'), join(dir, 'esbuild.mjs'));
  await copyFile(join(root, 'package.json'), join(dir, 'package.json'));
  return dir;
}

async function packagedFiles(dir: string): Promise<string[]> {
  const { stdout } = await exec(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: dir });
  return stdout.split('\n').filter(Boolean).sort();
}

test('the production .vsix has no source maps and only the o200k and cl100k encodings; --sourcemap adds the maps', async () => {
  const dir = await scratchProject();
  try {
    await exec(process.execPath, ['esbuild.mjs', '--production'], { cwd: dir });
    const files = await packagedFiles(dir);
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
    assert.deepEqual(
      files.filter((f) => f.startsWith('dist/')),
      [
        'dist/cli.js',
        'dist/extension.js',
        'dist/vendor/anthropic.js',
        // Entra ID sign-in for Azure OpenAI profiles (@azure/identity with MSAL), loaded only by such a profile.
        'dist/vendor/azure_identity.js',
        'dist/vendor/cl100k_base.js',
        'dist/vendor/genai.js',
        // The export writers (issue 15): SQLite as one WebAssembly file for every platform, Parquet in pure JS.
        'dist/vendor/node-sqlite3-wasm.wasm',
        'dist/vendor/o200k_base.js',
        'dist/vendor/openai.js',
        'dist/vendor/parquet.js',
        'dist/vendor/sqlite.js',
        'dist/webview/dashboard.js',
        'dist/webview/newBatch.js',
        'dist/webview/results.js',
      ],
    );
    // The pipeline file schema contributed to VS Code's JSON and YAML validation (issue 16).
    assert.ok(files.includes('schemas/pipeline.schema.json'), 'schemas/pipeline.schema.json is packaged');
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(dir, f))).size;
    // 22.7 MB before the SDKs were split out of both bundles and the maps left out; 7.5 MB after.
    assert.ok(bytes < 10 * 1024 * 1024, `${(bytes / 1024 / 1024).toFixed(1)} MB packaged`);

    await exec(process.execPath, ['esbuild.mjs', '--production', '--sourcemap'], { cwd: dir });
    assert.ok((await packagedFiles(dir)).includes('dist/extension.js.map'), 'maps when asked for');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
