import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardHostMessageSchema, DashboardStateSchema, DashboardWebviewMessageSchema } from '../../src/shared/dashboardProtocol';
import { parseMessage } from '../../src/shared/resultsProtocol';

test('the host accepts the webview messages it handles', () => {
  for (const m of [
    { type: 'ready', filter: { period: '30d' } },
    { type: 'filter', filter: { period: '7d', provider: 'anthropic' } },
    { type: 'openJob', jobId: 'bw-20261118-abc' },
    { type: 'showJobs', group: { kind: 'day', day: '2026-11-18', provider: 'openai' } },
    { type: 'showJobs', group: { kind: 'provider', provider: 'gemini' } },
    { type: 'showJobs', group: { kind: 'turnaround', key: 'openai gpt-4o-mini' } },
  ]) assert.ok(DashboardWebviewMessageSchema.safeParse(m).success, JSON.stringify(m));
});

test('a malformed message from the webview is refused with the reason, never acted on', () => {
  const reasons: string[] = [];
  for (const m of [
    { type: 'filter', filter: { period: '1y' } },
    { type: 'filter', filter: { period: '7d', provider: 'mistral' } },
    { type: 'openJob', jobId: '' },
    { type: 'showJobs', group: { kind: 'day', day: '18/11/2026' } },
    { type: 'runCommand', command: 'workbench.action.terminal.new' },
    'ready',
  ]) assert.equal(parseMessage(DashboardWebviewMessageSchema, m, (r) => reasons.push(r)), undefined, JSON.stringify(m));
  assert.equal(reasons.length, 6);
  assert.match(reasons[0]!, /filter\.period/);
});

test('the webview refuses a view that does not fit, and restores only a valid saved state', () => {
  assert.equal(DashboardHostMessageSchema.safeParse({ type: 'view', view: { filter: { period: '30d' } } }).success, false);
  assert.ok(DashboardHostMessageSchema.safeParse({ type: 'error', message: 'Could not read the job store' }).success);
  assert.ok(DashboardStateSchema.safeParse({ filter: { period: 'all' } }).success);
  assert.equal(DashboardStateSchema.safeParse({ filter: { period: 'forever' } }).success, false);
});
