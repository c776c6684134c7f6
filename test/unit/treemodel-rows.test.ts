import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree, escapeMarkdown, findRow, formatDuration, jobContextValue, jobRow, activeCount, type TreeOptions, type TreeRow } from '../../src/core/jobs/treeModel';
import type { Job, JobPart } from '../../src/core/jobs/job';
import type { JobStatus, RequestCounts } from '../../src/core/status';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const opts = (over: Partial<TreeOptions> = {}): TreeOptions => ({ groupBy: 'status', now: NOW, dayOf: (iso) => iso.slice(0, 10), ...over });

function counts(over: Partial<RequestCounts> = {}): RequestCounts {
  return { total: 100, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0, ...over };
}

function part(over: Partial<JobPart> = {}): JobPart {
  return { index: 0, remoteId: 'batch_1', status: 'in_progress', lineStart: 1, lineEnd: 100, requests: 100, counts: counts({ processing: 100 }), errors: [], ...over };
}

function job(over: Partial<Job> & { status?: JobStatus } = {}, c?: Partial<RequestCounts>): Job {
  const status = over.status ?? 'in_progress';
  return {
    version: 1,
    id: 'bw-1',
    name: 'labels',
    provider: 'openai',
    profile: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath: '/work/labels.jsonl',
    inputSha256: 'abc',
    inputLines: 100,
    requests: 100,
    parts: [part({ status, counts: counts(c ?? { processing: 100 }) })],
    attempt: 1,
    status,
    createdAt: new Date(NOW - 12 * 60_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    ...over,
  };
}

const words = (row: TreeRow) => row.contextValue.split(' ').sort();

describe('treeModel: job rows', () => {
  it('label defaults to the input file name; description has status, succeeded/total and elapsed', () => {
    const row = jobRow(job({ name: '' }, { succeeded: 40, processing: 60 }), opts());
    assert.equal(row.label, 'labels.jsonl');
    assert.equal(row.description, 'in progress · 40/100 · 12m');
    assert.equal(row.iconId, 'sync~spin');
    assert.equal(row.colorId, 'charts.blue');
    assert.deepEqual(words(row), ['cancellable', 'console', 'job', 'remote']);
  });

  it('finalizing is its own state, not a stuck 100%', () => {
    const row = jobRow(job({ status: 'finalizing' }, { succeeded: 100 }), opts());
    assert.match(row.description, /^finalizing · 100\/100/);
    assert.notEqual(row.iconId, jobRow(job({ status: 'in_progress' }, { succeeded: 100 }), opts()).iconId);
  });

  it('completed with every line failed shows as failed', () => {
    const row = jobRow(job({ status: 'completed', finishedAt: new Date(NOW - 3 * 3600_000).toISOString() }, { failed: 100 }), opts());
    assert.equal(row.iconId, 'error');
    assert.equal(row.colorId, 'testing.iconFailed');
    assert.equal(row.description, 'failed · 0/100 · 100 failed · 3h ago');
    assert.deepEqual(words(row), ['job', 'remote', 'console', 'results', 'retryable'].sort());
  });

  it('completed with some failures: yellow, failed count shown, retryable', () => {
    const row = jobRow(job({ status: 'completed', finishedAt: new Date(NOW - 60_000).toISOString() }, { succeeded: 95, failed: 5 }), opts());
    assert.equal(row.colorId, 'charts.yellow');
    assert.equal(row.description, 'completed · 95/100 · 5 failed · 1m ago');
    assert.ok(words(row).includes('retryable'));
    const clean = jobRow(job({ status: 'completed' }, { succeeded: 100 }), opts());
    assert.equal(clean.colorId, 'testing.iconPassed');
    assert.ok(!words(clean).includes('retryable'));
    assert.ok(!words(clean).includes('cancellable'));
  });

  it('expired shows how many lines finished and stays openable', () => {
    const row = jobRow(job({ status: 'expired' }, { succeeded: 80, failed: 2, expired: 18 }), opts());
    assert.match(row.description, /^expired · 82\/100 finished · 2 failed/);
    assert.ok(words(row).includes('results'));
    assert.ok(words(row).includes('retryable'));
  });

  it('unknown shows the raw provider value', () => {
    const row = jobRow(job({ status: 'unknown', rawStatus: 'JOB_STATE_NEWTHING' }), opts());
    assert.match(row.description, /^unknown \(JOB_STATE_NEWTHING\)/);
    assert.equal(row.iconId, 'question');
    assert.ok(words(row).includes('cancellable'), 'unknown is not terminal');
  });

  it('cancelling is not cancellable again; cancelled keeps partial results', () => {
    assert.ok(!words(jobRow(job({ status: 'cancelling' }), opts())).includes('cancellable'));
    const row = jobRow(job({ status: 'cancelled' }, { succeeded: 30, canceled: 70 }), opts());
    assert.match(row.description, /^canceled · 30\/100 finished/);
    assert.ok(words(row).includes('results'));
  });

  it('deletable only for terminal Anthropic / Gemini jobs; console only on the provider host', () => {
    assert.ok(words(jobRow(job({ provider: 'anthropic', status: 'completed' }, { succeeded: 100 }), opts())).includes('deletable'));
    assert.ok(!words(jobRow(job({ provider: 'anthropic' }), opts())).includes('deletable'));
    assert.ok(!words(jobRow(job({ provider: 'openai', status: 'completed' }, { succeeded: 100 }), opts())).includes('deletable'));
    assert.ok(!words(jobRow(job({ baseUrl: 'http://127.0.0.1:4010/v1' }), opts())).includes('console'));
    assert.ok(words(jobRow(job({ baseUrl: 'https://api.openai.com/v1' }), opts())).includes('console'));
    assert.ok(!words(jobRow(job({ provider: 'local', baseUrl: 'http://localhost:8000/v1' }), opts())).includes('console'));
  });

  it('a job with no remote id yet has no remote/console words', () => {
    const j = job({ status: 'validating', parts: [part({ remoteId: null, status: 'validating' })] });
    assert.deepEqual(jobContextValue(j).split(' ').sort(), ['cancellable', 'job']);
  });

  it('tooltip lists provider, model, remote ids, counts, costs and input, escaped', () => {
    const j = job(
      {
        name: 'evil [link](http://x)',
        status: 'completed',
        finishedAt: new Date(NOW).toISOString(),
        estimate: { requests: 100, inputTokens: 1, outputTokensMax: 1, standardCost: 2, batchCost: 1, currency: 'USD', model: 'gpt-4o-mini', pricingDate: null },
        actualCost: 0.9,
      },
      { succeeded: 99, failed: 1 },
    );
    const md = jobRow(j, opts()).tooltipMarkdown!;
    assert.ok(!md.includes('[link](http://x)'), 'markdown in the name is escaped');
    for (const s of ['openai', 'gpt\\-4o\\-mini', 'batch\\_1', '99 succeeded', '1 failed', 'estimated $1\\.00', 'actual $0\\.9000', 'labels\\.jsonl']) {
      assert.ok(md.includes(s), `tooltip lacks ${s}:\n${md}`);
    }
  });

  it('Gemini pending past the 48 h window is flagged with a warning', () => {
    const submitted = new Date(NOW - 50 * 3600_000).toISOString();
    const g = job({ provider: 'gemini', status: 'in_progress', rawStatus: 'JOB_STATE_PENDING', createdAt: submitted, parts: [part({ remoteId: 'batches/1', submittedAt: submitted })] });
    const row = jobRow(g, opts());
    assert.equal(row.iconId, 'warning');
    assert.match(row.description, /past 48h window/);
    assert.match(row.tooltipMarkdown!, /48 h window/);
    const fresh = jobRow({ ...g, createdAt: new Date(NOW - 3600_000).toISOString(), parts: [part({ remoteId: 'batches/1', submittedAt: new Date(NOW - 3600_000).toISOString() })] }, opts());
    assert.notEqual(fresh.iconId, 'warning');
    const openai = jobRow({ ...g, provider: 'openai' }, opts());
    assert.notEqual(openai.iconId, 'warning', 'only Gemini has the 48 h window');
  });

  it('local runner jobs show requests/s and ETA', () => {
    const started = new Date(NOW - 100_000).toISOString();
    const l = job({ provider: 'local', baseUrl: 'http://localhost:8000/v1', createdAt: started, parts: [part({ remoteId: 'local-x-0', submittedAt: started, counts: counts({ total: 1000, succeeded: 500, processing: 500 }) })], requests: 1000 });
    assert.match(jobRow(l, opts()).description, /500\/1,000 · 1m · 5\.0 req\/s · ETA 1m/);
    const measured = jobRow(l, opts({ rates: new Map([['bw-1', 50]]) })).description;
    assert.match(measured, /50 req\/s · ETA 10s/);
    assert.doesNotMatch(jobRow({ ...l, provider: 'openai' }, opts()).description, /req\/s/);
  });

  it('local runner jobs show the pace the runner reported: req/s, tok/s and its ETA', () => {
    const started = new Date(NOW - 100_000).toISOString();
    const throughput = { requestsPerSec: 12, tokensPerSec: 840, etaSeconds: 42 };
    const l = job({ provider: 'local', createdAt: started, parts: [part({ remoteId: 'local-x-0', submittedAt: started, throughput, counts: counts({ total: 1000, succeeded: 500, processing: 500 }) })], requests: 1000 });
    assert.match(jobRow(l, opts()).description, /12 req\/s · 840 tok\/s · ETA 42s/);
  });

  it('a job whose submit stopped before any create shows "not submitted", not failed, and its lines count as failed', () => {
    const unsent = part({ remoteId: null, status: 'failed', counts: counts({ processing: 0 }), errors: [{ code: 'not_submitted', message: 'Not submitted: the submit stopped before this part was sent.' }] });
    const row = jobRow(job({ status: 'failed', parts: [unsent] }), opts());
    assert.match(row.description, /^not submitted · 0\/100 · 100 failed/);
    assert.equal(row.iconId, 'circle-large-outline');
    // A split job with one part sent and one not: the job is failed, the unsent part says what it is.
    const split = jobRow(job({ status: 'failed', parts: [part({ index: 0, status: 'completed', counts: counts({ total: 50, succeeded: 50 }) }), { ...unsent, index: 1, requests: 50, counts: counts({ total: 50, processing: 0 }) }] }), opts());
    assert.match(split.description, /^failed · 50\/100 · 50 failed/);
    assert.match(split.children[1]!.description, /^not submitted · 0\/50 · 50 failed/);
  });

  it('the tooltip says how many succeeded lines are flagged (issue 20)', () => {
    const row = jobRow(job({ status: 'completed', flagged: { truncated: 3, empty: 1 } }, { succeeded: 100 }), opts());
    assert.match(row.tooltipMarkdown ?? '', /\$\(warning\) Of the succeeded: 3 truncated, 1 empty/);
    assert.doesNotMatch(jobRow(job({ status: 'completed' }, { succeeded: 100 }), opts()).tooltipMarkdown ?? '', /Of the succeeded/);
  });

  it('parts are children only when the job was split', () => {
    assert.equal(jobRow(job(), opts()).children.length, 0);
    const split = job({ parts: [part({ index: 0, remoteId: 'batch_a', status: 'completed', counts: counts({ total: 50, succeeded: 50 }) }), part({ index: 1, remoteId: 'batch_b', counts: counts({ total: 50, processing: 50 }) })] });
    const kids = jobRow(split, opts()).children;
    assert.deepEqual(kids.map((k) => k.label), ['Part 1: batch_a', 'Part 2: batch_b']);
    assert.equal(kids[0]!.remoteId, 'batch_a');
    assert.match(kids[0]!.description, /^completed · 50\/50/);
    assert.ok(kids[1]!.contextValue.split(' ').includes('remote'));
    assert.ok(!kids[1]!.contextValue.split(' ').includes('job'), 'job actions do not show on parts');
  });
});

describe('treeModel: tree', () => {
  const finished = (id: string, c: Partial<RequestCounts>, over: Partial<Job> = {}) =>
    job({ id, status: 'completed', finishedAt: new Date(NOW).toISOString(), ...over }, c);

  it('groups by status: Active / Finished / Failed, empty groups omitted', () => {
    const rows = buildTree([job({ id: 'a' }), finished('b', { succeeded: 100 }), finished('c', { failed: 100 }), job({ id: 'd', status: 'expired' }, { succeeded: 3, expired: 97 })], opts());
    assert.deepEqual(rows.map((r) => r.label), ['Active', 'Finished', 'Failed']);
    assert.deepEqual(rows.map((r) => r.children.map((c) => c.jobId)), [['a'], ['b'], ['c', 'd']]);
    assert.deepEqual(buildTree([job({ id: 'a' })], opts()).map((r) => r.label), ['Active']);
  });

  it('retries sit under their parent, recursively, and the chain is grouped by its latest attempt', () => {
    const parent = finished('p', { succeeded: 90, failed: 10 }, { createdAt: new Date(NOW - 3600_000).toISOString() });
    const retry1 = finished('r1', { succeeded: 8, failed: 2 }, { parentId: 'p', attempt: 2, createdAt: new Date(NOW - 1800_000).toISOString() });
    const retry2 = job({ id: 'r2', parentId: 'r1', attempt: 3, createdAt: new Date(NOW - 60_000).toISOString() });
    const rows = buildTree([retry2, parent, retry1], opts());
    assert.deepEqual(rows.map((r) => r.label), ['Active']);
    const p = rows[0]!.children;
    assert.deepEqual(p.map((r) => r.jobId), ['p'], 'retries are not at the top level');
    assert.deepEqual(p[0]!.children.map((r) => r.jobId), ['r1']);
    assert.equal(p[0]!.children[0]!.label, 'labels (retry 1)');
    assert.deepEqual(p[0]!.children[0]!.children.map((r) => r.jobId), ['r2']);
    const named = buildTree([parent, { ...retry1, name: 'labels (retry 1)' }], opts());
    assert.equal(findRow(named, 'job:r1')!.label, 'labels (retry 1)', 'a name that already says retry is not repeated');
    assert.ok(findRow(rows, 'job:r2'));
  });

  it('a parent row shows the merged outcome of its retries, not its first attempt', () => {
    const parent = finished('p', { total: 12, succeeded: 9, failed: 3 }, { requests: 12, createdAt: new Date(NOW - 3600_000).toISOString() });
    const retry = finished('r1', { total: 3, succeeded: 3 }, { requests: 3, parentId: 'p', attempt: 2, finishedAt: new Date(NOW - 120_000).toISOString() });
    const row = findRow(buildTree([parent, retry], opts()), 'job:p')!;
    assert.equal(row.description, 'completed · 12/12 after 1 retry · 2m ago');
    assert.equal(row.iconId, 'pass-filled', 'all lines succeeded across attempts: the green tick');
    assert.ok(!words(row).includes('retryable'), 'nothing left to resubmit');
    // Two retries, the second still one short; a retry that resent 2 schema failures on top of the 3 failed lines.
    const r1 = finished('r1', { total: 3, succeeded: 1, failed: 2 }, { requests: 3, parentId: 'p', attempt: 2 });
    const r2 = finished('r2', { total: 2, succeeded: 1, failed: 1 }, { requests: 2, parentId: 'r1', attempt: 3 });
    assert.equal(findRow(buildTree([parent, r1, r2], opts()), 'job:p')!.description, 'completed · 11/12 after 2 retries · 1 failed · 0s ago');
    const schema = finished('s1', { total: 5, succeeded: 5 }, { requests: 5, parentId: 'p', attempt: 2 });
    assert.match(findRow(buildTree([parent, schema], opts()), 'job:p')!.description, /12\/12 after 1 retry/, 'resent successes are not counted twice');
    const running = job({ id: 'r9', parentId: 'p', attempt: 2, requests: 3, parts: [part({ requests: 3, counts: counts({ total: 3, processing: 3 }) })] });
    assert.match(findRow(buildTree([parent, running], opts()), 'job:p')!.description, /^completed · 9\/12 · 3 failed · 0s ago · retry 1 running$/);
  });

  it('a retry whose parent is gone stands at the top level', () => {
    const rows = buildTree([job({ id: 'orphan', parentId: 'missing', attempt: 2 })], opts());
    assert.deepEqual(rows[0]!.children.map((r) => r.jobId), ['orphan']);
  });

  it('groups by day (newest first, Today / Yesterday labels) and filters by provider', () => {
    const today = job({ id: 't', createdAt: '2026-11-26T08:00:00Z' });
    const yest = job({ id: 'y', provider: 'anthropic', createdAt: '2026-11-25T08:00:00Z' });
    const older = job({ id: 'o', createdAt: '2026-11-20T08:00:00Z' });
    const rows = buildTree([older, today, yest], opts({ groupBy: 'day' }));
    assert.deepEqual(rows.map((r) => r.label), ['Today', 'Yesterday', '2026-11-20']);
    const filtered = buildTree([older, today, yest], opts({ groupBy: 'day', provider: 'anthropic' }));
    assert.deepEqual(filtered.map((r) => r.children.map((c) => c.jobId)), [['y']]);
  });

  it('row ids are stable across rebuilds', () => {
    const js = [job({ id: 'a' }), finished('b', { succeeded: 100 })];
    const ids = (rows: TreeRow[]): string[] => rows.flatMap((r) => [r.id, ...ids(r.children)]);
    assert.deepEqual(ids(buildTree(js, opts())), ids(buildTree(js, opts({ now: NOW + 5000 }))));
  });

  it('counts active jobs for the badge', () => {
    assert.equal(activeCount([job({ id: 'a' }), job({ id: 'b', status: 'finalizing' }), finished('c', { succeeded: 100 })]), 2);
  });
});

describe('treeModel: helpers', () => {
  it('formats durations compactly', () => {
    assert.deepEqual([45_000, 12 * 60_000, 185 * 60_000, 52 * 3600_000].map(formatDuration), ['45s', '12m', '3h 5m', '2d 4h']);
  });
  it('escapes markdown', () => {
    assert.equal(escapeMarkdown('[a](b) *c*'), '\\[a\\]\\(b\\) \\*c\\*');
    // `\$\(` is not enough: markdown unescapes it to `$(alert)` before VS Code looks for icons.
    assert.equal(escapeMarkdown('$(alert) x'), '$\u200B\\(alert\\) x', 'no theme icon from user text');
    assert.equal(escapeMarkdown('line 1\n\n# heading'), 'line 1 \\# heading', 'no markdown blocks from a message');
  });
});

it('the tooltip redacts a base URL with credentials before escaping it (escaped text would hide it from redaction)', () => {
  const md = escapeMarkdown('http://user:s3cret-pass@proxy.example/v1?key=AIzaSyA-very-secret-key-0123456789abcd');
  assert.doesNotMatch(md, /s3cret|AIzaSy/, md);
  assert.match(md, /redacted/);
});
