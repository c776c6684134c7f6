// When VS Code activates Batchwise (issue 14): on the events that need it, never on a workspace-wide file search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  activationEvents: string[];
  engines: { vscode: string };
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
};

test('activates on a .jsonl document, a results panel to restore and once after start-up (stored jobs still running)', () => {
  const events = manifest.activationEvents;
  for (const e of ['onLanguage:jsonl', 'onWebviewPanel:batchwise.results', 'onStartupFinished']) assert.ok(events.includes(e), e);
  // `*` blocks start-up; workspaceContains:**/*.jsonl searches every workspace on every start and activates for any
  // repository holding a .jsonl anywhere (fixtures in node_modules included).
  assert.deepEqual(
    events.filter((e) => e === '*' || e.startsWith('workspaceContains:')),
    [],
  );
});

test('views and commands activate it through the events VS Code derives from contributes (engine 1.74+)', () => {
  const [major, minor] = manifest.engines.vscode.replace(/^[^\d]*/, '').split('.').map(Number);
  assert.ok(major! > 1 || minor! >= 74, `engines.vscode ${manifest.engines.vscode} derives onCommand/onView events`);
  assert.ok(manifest.contributes.commands.length > 0 && Object.values(manifest.contributes.views).flat().length > 0);
});
