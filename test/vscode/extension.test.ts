/// <reference types="mocha" />
// In-host tests (inside a real VS Code downloaded by @vscode/test-electron): run with `npm run test:vscode`.
// They need the internet to download VS Code; machines without it use the code-server suite (`npm run test:e2e`).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'batchwise.batchwise';

suite('Batchwise in VS Code', () => {
  let extension: vscode.Extension<unknown>;

  suiteSetup(async function () {
    this.timeout(60000);
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is installed in the test instance`);
    extension = found;
    await extension.activate();
  });

  test('the extension activates', () => {
    assert.equal(extension.isActive, true);
  });

  test('every command of package.json is registered', async () => {
    const manifest = extension.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `commands declared in package.json but not registered: ${missing.join(', ')}`);
  });

  test('the Batches view can be shown', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.batchwise');
    await vscode.commands.executeCommand('batchwise.batches.focus');
  });

  test('a broken JSONL file gets Batchwise diagnostics', async function () {
    this.timeout(30000);
    const doc = await vscode.workspace.openTextDocument({
      language: 'jsonl',
      content: '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}\n{"custom_id":"a"\n',
    });
    await vscode.window.showTextDocument(doc);
    const deadline = Date.now() + 20000;
    let diagnostics = vscode.languages.getDiagnostics(doc.uri);
    while (diagnostics.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      diagnostics = vscode.languages.getDiagnostics(doc.uri);
    }
    assert.ok(diagnostics.some((d) => d.range.start.line === 1), `a diagnostic on line 2: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
  });
});
