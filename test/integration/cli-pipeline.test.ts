import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';

const chat = (id: string, extra = '') => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}${extra}` }], max_tokens: 20 } });
const CLI = resolve('dist/cli.js');

/** The real CLI in its own process (its own process group, so a hook it started can be killed with it). */
function spawnCli(argv: string[], env: NodeJS.ProcessEnv, cwd: string): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null>; stderrHas(re: RegExp): Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...argv], { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    waiters.splice(0).forEach((w) => w());
  });
  return {
    child,
    out: () => out,
    err: () => err,
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
    stderrHas: (re) =>
      new Promise<void>((resolve) => {
        const check = () => (re.test(err) ? resolve() : waiters.push(check));
        check();
      }),
  };
}

async function setup(pipelineYaml: string, lines: string[]) {
  // A real clock that moves fast: the processes poll it at --interval 0.02; no assertion depends on how fast.
  const emu: Emulator = await startEmulator({ tickMs: 20 });
  const dir = await mkdtemp(join(tmpdir(), 'bw-clipipe-'));
  await writeFile(join(dir, 'requests.jsonl'), lines.join('\n') + '\n');
  await writeFile(join(dir, 'nightly.batchwise.yaml'), pipelineYaml.replaceAll('EMU', `${emu.url}/v1`));
  const env = { ...process.env, BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
  return {
    emu,
    dir,
    env,
    file: join(dir, 'nightly.batchwise.yaml'),
    cli: (...argv: string[]) => runCliCaptured(argv, { env }),
    hookRuns: async () => (existsSync(join(dir, 'runs.txt')) ? (await readFile(join(dir, 'runs.txt'), 'utf8')).trim().split('\n').length : 0),
    close: async () => {
      emu.faults.clear();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const YAML = `name: nightly
input: {file: requests.jsonl}
provider: openai
baseUrl: EMU
retries: 1
outputs: [results.csv]
onComplete: {command: 'echo "$BATCHWISE_STATUS $BATCHWISE_SUCCEEDED $BATCHWISE_FAILED" >> runs.txt'}
`;

test('pipeline run --wait --json: one cycle to the end; exit 1 with failures left, and the document the contract names', async () => {
  const s = await setup(YAML, [chat('a'), chat('b', ' [[fail]]')]);
  try {
    const r = await s.cli('pipeline', 'run', s.file, '--wait', '--interval', '0.02', '--json');
    assert.equal(r.code, 1, r.err);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of ['pipeline', 'job', 'status', 'succeeded', 'failed', 'outputs', 'hook']) assert.ok(k in doc, `--json has ${k}`);
    assert.equal(doc.status, 'failed');
    assert.deepEqual([doc.succeeded, doc.failed], [1, 1]);
    assert.deepEqual(doc.outputs, [join(s.dir, 'results.csv')]);
    assert.deepEqual(doc.hook, { ran: true, exitCode: 0 });
    assert.equal((await readFile(join(s.dir, 'runs.txt'), 'utf8')).trim(), 'failed 1 1');
    const list = JSON.parse((await s.cli('pipeline', 'list', s.dir, '--json')).out) as { pipelines: { name: string; lastCycle: { status: string } }[] };
    assert.equal(list.pipelines[0]!.name, 'nightly');
    assert.equal(list.pipelines[0]!.lastCycle.status, 'failed');
    // The cycle's jobs count under the pipeline's name in stats (issue 17's filter), and under no other.
    const mine = JSON.parse((await s.cli('stats', '--since', 'all', '--pipeline', 'nightly', '--json')).out) as { jobs: number; requests: number; failed: number };
    assert.deepEqual([mine.jobs, mine.requests, mine.failed], [2, 2, 1]);
    const other = JSON.parse((await s.cli('stats', '--since', 'all', '--pipeline', 'weekly', '--json')).out) as { jobs: number };
    assert.equal(other.jobs, 0);
    // A broken pipeline file: exit 2, with the line and column.
    await writeFile(join(s.dir, 'bad.batchwise.yaml'), 'name: bad\ninput: {file: x.jsonl}\nprovider: openia\n');
    const bad = await s.cli('pipeline', 'run', join(s.dir, 'bad.batchwise.yaml'));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\.batchwise\.yaml:3:11: provider: Invalid option/);
  } finally {
    await s.close();
  }
});

test('two pipeline runs at once make one job: the second attaches to the cycle the first is submitting, and the hook runs once', async () => {
  const s = await setup(YAML, [chat('a'), chat('b')]);
  try {
    s.emu.faults.add({ method: 'POST', path: '/v1/batches', hold: true, times: 1 });
    const first = spawnCli(['pipeline', 'run', s.file, '--wait', '--interval', '0.02', '--json'], s.env, s.dir);
    await s.emu.faults.whenHeld();
    // The first holds the pipeline: a call without --wait only reports the running cycle...
    const peek = await s.cli('pipeline', 'run', s.file, '--json');
    assert.equal(peek.code, 0, peek.err);
    const peeked = JSON.parse(peek.out) as { attached: boolean; status: string; cycle: string };
    assert.deepEqual([peeked.attached, peeked.status], [true, 'running']);
    // ...and one with --wait follows it to its end.
    const second = spawnCli(['pipeline', 'run', s.file, '--wait', '--interval', '0.02'], s.env, s.dir);
    await second.stderrHas(/is being run by pid \d+/);
    s.emu.faults.release();
    assert.equal(await first.exited, 0, first.err());
    assert.equal(await second.exited, 0, second.err());
    const doc = JSON.parse(first.out()) as { cycle: string; job: string; status: string };
    assert.equal(doc.cycle, peeked.cycle);
    assert.equal(doc.status, 'completed');
    assert.match(second.out(), new RegExp(`cycle ${doc.cycle} completed: 2 succeeded, 0 failed \\(job ${doc.job}\\)`));
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
    assert.equal(await s.hookRuns(), 1);
  } finally {
    await s.close();
  }
});

test('kill -9 while the cycle follows its job, then a rerun: the cycle finishes with the same job, nothing is submitted twice', async () => {
  const s = await setup(YAML, [chat('a'), chat('b')]);
  try {
    s.emu.faults.add({ method: 'GET', path: /^\/v1\/batches\/batch_/, hold: true, times: 1 });
    const run = spawnCli(['pipeline', 'run', s.file, '--wait', '--interval', '0.02'], s.env, s.dir);
    await s.emu.faults.whenHeld();
    process.kill(-run.child.pid!, 'SIGKILL');
    await run.exited;
    s.emu.faults.release();
    const again = await s.cli('pipeline', 'run', s.file, '--wait', '--interval', '0.02', '--json');
    assert.equal(again.code, 0, again.err);
    const doc = JSON.parse(again.out) as { status: string; succeeded: number; jobs: string[] };
    assert.equal(doc.status, 'completed');
    assert.equal(doc.succeeded, 2);
    assert.equal(doc.jobs.length, 1);
    assert.equal(s.emu.stats.requests['POST /v1/batches'], 1);
    assert.equal(await s.hookRuns(), 1);
  } finally {
    await s.close();
  }
});

test('kill -9 while the hook runs: the rerun ends the cycle without running the hook a second time', async () => {
  const s = await setup(YAML.replace(`>> runs.txt'}`, `>> runs.txt; sleep 30'}`), [chat('a')]);
  try {
    const run = spawnCli(['pipeline', 'run', s.file, '--wait', '--interval', '0.02'], s.env, s.dir);
    // The hook has started once runs.txt has its line (it then sleeps): wait for that, however long it takes.
    while ((await s.hookRuns()) === 0) await new Promise((r) => setTimeout(r, 10));
    process.kill(-run.child.pid!, 'SIGKILL'); // the CLI and the hook's shell, as a service manager stopping the group would
    await run.exited;
    const again = await s.cli('pipeline', 'run', s.file, '--wait', '--json');
    assert.equal(again.code, 0, again.err);
    const doc = JSON.parse(again.out) as { status: string; hook: { ran: boolean; exitCode: number | null } };
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.hook, { ran: true, exitCode: null });
    assert.equal(await s.hookRuns(), 1);
  } finally {
    await s.close();
  }
});

test('submit --on-complete and status --watch --on-complete run the command once the job ends, with its outcome', async () => {
  const s = await setup(YAML, [chat('a'), chat('b', ' [[fail]]')]);
  try {
    const hook = 'echo "hook $BATCHWISE_JOB $BATCHWISE_STATUS $BATCHWISE_SUCCEEDED/$BATCHWISE_FAILED"';
    const r = await s.cli('submit', join(s.dir, 'requests.jsonl'), '--base-url', `${s.emu.url}/v1`, '--on-complete', hook, '--json');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { job: string; status: string; hook: { ran: boolean; exitCode: number } };
    assert.equal(doc.status, 'completed');
    assert.deepEqual(doc.hook, { ran: true, exitCode: 0 });
    // With --json the hook's output goes to stderr: stdout stays one document.
    assert.match(r.err, new RegExp(`hook ${doc.job} completed 1/1`));
    const again = await s.cli('status', doc.job, '--watch', '--interval', '0.02', '--on-complete', 'exit 4');
    assert.equal(again.code, 0);
    assert.match(again.err, /the --on-complete command exited with 4/);
    const usage = await s.cli('status', doc.job, '--on-complete', 'true');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--on-complete needs --watch/);
  } finally {
    await s.close();
  }
});

test('batchwise serve: JSON log lines, GET /healthz, a webhook without a configured secret is refused, SIGTERM stops it cleanly', async () => {
  const s = await setup(YAML, [chat('a')]);
  try {
    const env: NodeJS.ProcessEnv = { ...s.env };
    delete env.BATCHWISE_WEBHOOK_SECRET;
    delete env.OPENAI_WEBHOOK_SECRET;
    const serve = spawnCli(['serve', '--dir', s.dir, '--port', '0'], env, s.dir);
    const started = await new Promise<{ url: string; webhooks: { openai: boolean } }>((resolve) => {
      const check = () => {
        const line = serve.out().split('\n').find((l) => l.includes('"serve_started"'));
        if (line) resolve(JSON.parse(line) as { url: string; webhooks: { openai: boolean } });
        else setTimeout(check, 10);
      };
      check();
    });
    assert.equal(started.webhooks.openai, false);
    const health = (await (await fetch(`${started.url}/healthz`)).json()) as { ok: boolean };
    assert.equal(health.ok, true);
    const hook = await fetch(`${started.url}/webhooks/openai`, { method: 'POST', body: '{}' });
    assert.equal(hook.status, 503);
    assert.match(((await hook.json()) as { error: string }).error, /set BATCHWISE_WEBHOOK_SECRET/);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.err());
    const events = serve.out().trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event);
    assert.deepEqual([events[0], events.at(-1)], ['serve_started', 'serve_stopped']);
    assert.ok(events.includes('webhook_refused'));
  } finally {
    await s.close();
  }
});
