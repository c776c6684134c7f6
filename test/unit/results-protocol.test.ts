import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostMessageSchema, PanelStateSchema, WebviewMessageSchema, parseMessage, MAX_PAGE } from '../../src/shared/resultsProtocol';

test('protocol: well-formed webview messages parse', () => {
  const q = { type: 'query', requestId: 3, query: { filter: 'failed', search: 'abc', sort: { key: 'tokens', dir: 'desc' } }, offset: 200, count: 200 };
  assert.deepEqual(parseMessage(WebviewMessageSchema, q), q);
  assert.deepEqual(parseMessage(WebviewMessageSchema, { type: 'detail', index: 0 }), { type: 'detail', index: 0 });
  assert.deepEqual(parseMessage(WebviewMessageSchema, { type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
});

test('protocol: malformed messages are rejected with a reason', () => {
  const reasons: string[] = [];
  const bad = [
    { type: 'query', requestId: 1, query: { filter: 'weird', search: '', sort: { key: 'line', dir: 'asc' } }, offset: 0, count: 10 },
    { type: 'query', requestId: 1, query: { filter: 'all', search: '', sort: { key: 'line', dir: 'asc' } }, offset: 0, count: MAX_PAGE + 1 },
    { type: 'query', requestId: 1, query: { filter: 'all', search: '', sort: { key: 'line', dir: 'asc' } }, offset: -1, count: 10 },
    { type: 'detail', index: 1.5 },
    { type: 'export', format: 'xlsx' },
    { type: 'runShell', command: 'rm -rf /' },
    'ready',
    null,
  ];
  for (const m of bad) assert.equal(parseMessage(WebviewMessageSchema, m, (r) => reasons.push(r)), undefined, JSON.stringify(m));
  assert.equal(reasons.length, bad.length);
  assert.match(reasons[0]!, /query\.filter/);
});

test('protocol: host messages: a page larger than the limit and rows with unknown outcomes are refused', () => {
  const row = { index: 0, line: 1, customId: 'a', outcome: 'succeeded', input: 'i', output: 'o', tokens: 3, attempt: 1 };
  assert.ok(parseMessage(HostMessageSchema, { type: 'rows', requestId: 1, total: 1, offset: 0, rows: [row] }));
  assert.equal(parseMessage(HostMessageSchema, { type: 'rows', requestId: 1, total: 1, offset: 0, rows: Array(MAX_PAGE + 1).fill(row) }), undefined);
  assert.equal(parseMessage(HostMessageSchema, { type: 'rows', requestId: 1, total: 1, offset: 0, rows: [{ ...row, outcome: 'won' }] }), undefined);
  assert.equal(parseMessage(HostMessageSchema, { type: 'detail', detail: { index: 0 } }), undefined);
});

test('protocol: the saved panel state restores a job or a file source only', () => {
  assert.deepEqual(parseMessage(PanelStateSchema, { source: { kind: 'job', jobId: 'bw-1' } }), { source: { kind: 'job', jobId: 'bw-1' } });
  assert.equal(parseMessage(PanelStateSchema, { source: { kind: 'job', jobId: '' } }), undefined);
  assert.equal(parseMessage(PanelStateSchema, undefined), undefined);
});
