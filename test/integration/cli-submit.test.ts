import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';

interface Ran {
  code: number;
  out: string;
  err: string;
}

describe('CLI: submit / status / list / cancel / split against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const cli = (argv: string[], opts: { isTTY?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> => runCliCaptured(argv, { env: opts.env ?? env, isTTY: opts.isTTY });

  async function input(name: string, lines: unknown[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    return path;
  }

  const chat = (id: string, text: string) => ({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
  const msg = (id: string, text: string) => ({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 32, messages: [{ role: 'user', content: text }] } });

  before(async () => {
    emu = await startEmulator({ tickMs: 20 });
    dir = await mkdtemp(join(tmpdir(), 'bw-cli-'));
    env = { BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', BATCHWISE_LOCAL_API_KEY: 'k', GEMINI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('submit --json, status --watch --json until completed, list', async () => {
    const path = await input('ok.jsonl', [chat('a', 'Hello'), chat('b', 'World')]);
    const sub = await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--name', 'cli-ok', '--json']);
    assert.equal(sub.code, 0, sub.err);
    const doc = JSON.parse(sub.out) as { job: string; parts: { remoteId: string }[] };
    assert.match(doc.job, /^bw-/);
    assert.match(doc.parts[0]!.remoteId, /^batch_/);

    const st = await cli(['status', doc.job, '--watch', '--interval', '0.01', '--json']);
    assert.equal(st.code, 0, st.err);
    assert.deepEqual(JSON.parse(st.out), { job: doc.job, status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });

    const list = await cli(['list', '--json']);
    const jobs = (JSON.parse(list.out) as { jobs: { id: string; status: string; name: string }[] }).jobs;
    assert.deepEqual(jobs.find((j) => j.id === doc.job), { ...jobs.find((j) => j.id === doc.job), status: 'completed', name: 'cli-ok' });
    const table = await cli(['list']);
    assert.match(table.out, /^ID\s+NAME\s+PROVIDER\s+STATUS/);
    assert.match(table.out, new RegExp(`${doc.job}\\s+cli-ok\\s+openai\\s+completed\\s+2/2`));
  });

  it('status exits 1 for an expired job and counts its unfinished lines as failed', async () => {
    const path = await input('exp.jsonl', [chat('a', 'fine'), chat('b', '[[fail]]'), chat('c', '[[expire]]')]);
    const sub = await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--json']);
    const { job } = JSON.parse(sub.out) as { job: string };
    const st = await cli(['status', job, '--watch', '--interval', '0.01', '--json']);
    assert.equal(st.code, 1);
    assert.deepEqual(JSON.parse(st.out), { job, status: 'expired', counts: { total: 3, succeeded: 1, failed: 2 } });
    const human = await cli(['status', job]);
    assert.equal(human.code, 1);
    assert.match(human.out, /status\s+expired/);
  });

  it('status --watch waits out an outage (the provider failing every poll for a while) instead of giving up', async () => {
    const path = await input('outage.jsonl', [chat('a', 'x')]);
    const { job, parts } = JSON.parse((await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--json'])).out) as { job: string; parts: { remoteId: string }[] };
    // Every poll fails, the first one too, through the adapter's retries: 40 refused GETs of the batch.
    emu.faults.add({ method: 'GET', path: `/v1/batches/${parts[0]!.remoteId}`, status: 503, times: 40 });
    const st = await cli(['status', job, '--watch', '--interval', '0.01', '--json']);
    assert.equal(emu.faults.pending, 0, 'the outage was over before the watch ended');
    assert.equal(st.code, 0, st.err);
    assert.equal(JSON.parse(st.out).status, 'completed');
    assert.match(st.err, /warning: .*503.*; still watching/);
  });

  it('a TTY gets a progress bar while watching', async () => {
    const path = await input('tty.jsonl', [chat('a', 'x'), chat('b', 'y')]);
    const { job } = JSON.parse((await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--json'])).out) as { job: string };
    const st = await cli(['status', job, '--watch', '--interval', '0.01'], { isTTY: true });
    assert.equal(st.code, 0);
    assert.match(st.err, /\r\[#+-*\] \d+% \d+\/2/);
    assert.match(st.err, /100% 2\/2 · 0 failed · completed/);
  });

  it('refuses a duplicate of a running job (exit 1), --force submits it', async () => {
    const path = await input('dup.jsonl', [chat('a', 'same input')]);
    assert.equal((await cli(['submit', path, '--base-url', `${emu.url}/v1`])).code, 0);
    const again = await cli(['submit', path, '--base-url', `${emu.url}/v1`]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already being processed as bw-/);
    assert.equal((await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--force'])).code, 0);
  });

  it('a create that fails ambiguously (HTTP 500 after the request went out) gets one account of what happened', async () => {
    const path = await input('ambiguous.jsonl', [chat('a', 'maybe created')]);
    emu.faults.add({ method: 'POST', path: '/v1/batches', status: 500, times: 10 });
    try {
      const r = await cli(['submit', path, '--base-url', `${emu.url}/v1`]);
      assert.equal(r.code, 2);
      assert.match(r.err, /may have been created anyway: job bw-\S+ is kept/);
      assert.match(r.err, /Run "batchwise status bw-\S+" before submitting again/);
      // Not also the opposite, nor advice that would create a second batch.
      assert.doesNotMatch(r.err, /No batch was created|Try again/);
    } finally {
      emu.faults.clear();
    }
    const refused = await input('refused.jsonl', [chat('a', 'refused')]);
    emu.faults.add({ method: 'POST', path: '/v1/batches', status: 400, times: 1 });
    const r = await cli(['submit', refused, '--base-url', `${emu.url}/v1`]);
    assert.equal(r.code, 2);
    assert.match(r.err, /No batch was created/);
    assert.doesNotMatch(r.err, /may have been created/);
  });

  it('cancel', async () => {
    const path = await input('cancel.jsonl', Array.from({ length: 5 }, (_, i) => chat(`c${i}`, `line ${i}`)));
    const { job } = JSON.parse((await cli(['submit', path, '--base-url', `${emu.url}/v1`, '--json'])).out) as { job: string };
    const c = await cli(['cancel', job]);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /cancel/);
    const st = await cli(['status', job, '--watch', '--interval', '0.01', '--json']);
    assert.equal(JSON.parse(st.out).status, 'cancelled');
    assert.match((await cli(['cancel', job])).out, /already ended \(cancelled\)/);
  });

  it('shows the input errors and submits nothing (exit 1)', async () => {
    const path = await input('bad.jsonl', [chat('a', 'ok'), '{not json']);
    const r = await cli(['submit', path, '--base-url', `${emu.url}/v1`]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`bad\\.jsonl:2:\\d+: error `));
  });

  it('names the missing key variable (exit 2)', async () => {
    const path = await input('nokey.jsonl', [chat('a', 'ok')]);
    const r = await cli(['submit', path, '--base-url', `${emu.url}/v1`], { env: { BATCHWISE_HOME: env.BATCHWISE_HOME } });
    assert.equal(r.code, 2);
    assert.match(r.err, /OPENAI_API_KEY is not set/);
  });

  it('Anthropic through --provider detection and --base-url', async () => {
    const path = await input('claude.jsonl', [msg('a', 'Hi'), msg('b', 'Yo')]);
    const sub = await cli(['submit', path, '--base-url', emu.url, '--json']);
    assert.equal(sub.code, 0, sub.err);
    const { job, parts } = JSON.parse(sub.out) as { job: string; parts: { remoteId: string }[] };
    assert.match(parts[0]!.remoteId, /^msgbatch_/);
    const st = await cli(['status', job, '--watch', '--interval', '0.01', '--json']);
    assert.deepEqual(JSON.parse(st.out), { job, status: 'completed', counts: { total: 2, succeeded: 2, failed: 0 } });
  });

  it('local: submit runs the file against the server and ends completed', async () => {
    const path = await input('local.jsonl', [chat('l1', 'Hello'), chat('l2', '[[fail]] no')]);
    const sub = await cli(['submit', path, '--provider', 'local', '--base-url', `${emu.url}/v1`, '--json']);
    assert.equal(sub.code, 0, sub.err);
    const { job } = JSON.parse(sub.out) as { job: string };
    const st = await cli(['status', job, '--json']);
    assert.deepEqual(JSON.parse(st.out), { job, status: 'completed', counts: { total: 2, succeeded: 1, failed: 1 } });
  });

  it('Gemini with --model; a finished job needs no key to show its status', async () => {
    const g = (key: string, text: string) => ({ key, request: { contents: [{ role: 'user', parts: [{ text }] }] } });
    const path = await input('gemini.jsonl', [g('k1', 'Hi'), g('k2', '[[fail]]')]);
    const sub = await cli(['submit', path, '--base-url', emu.url, '--model', 'gemini-2.5-flash', '--json']);
    assert.equal(sub.code, 0, sub.err);
    const { job, parts } = JSON.parse(sub.out) as { job: string; parts: { remoteId: string }[] };
    assert.match(parts[0]!.remoteId, /^batches\//);
    const st = await cli(['status', job, '--watch', '--interval', '0.01', '--json']);
    assert.deepEqual(JSON.parse(st.out), { job, status: 'completed', counts: { total: 2, succeeded: 1, failed: 1 } });
    const noKey = await cli(['status', job, '--json'], { env: { BATCHWISE_HOME: env.BATCHWISE_HOME } });
    assert.equal(noKey.code, 0, noKey.err);
  });

  it('list reports a corrupt job file on stderr and still lists the rest', async () => {
    const bad = join(env.BATCHWISE_HOME!, 'jobs', 'bw-corrupt');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'job.json'), '{"half":');
    const r = await cli(['list']);
    assert.equal(r.code, 0);
    assert.match(r.err, /warning: skipped .*bw-corrupt.*not valid JSON/);
    assert.match(r.out, /cli-ok/);
    await rm(bad, { recursive: true, force: true });
  });

  it('split by --max-requests / --max-bytes into an out dir', async () => {
    const path = await input('split.jsonl', Array.from({ length: 5 }, (_, i) => chat(`s${i}`, `line ${i}`)));
    const r = await cli(['split', path, '--max-requests', '2', '--out-dir', join(dir, 'parts'), '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { parts: { path: string; requests: number }[] };
    assert.deepEqual(doc.parts.map((p) => p.requests), [2, 2, 1]);
    assert.equal((await readFile(doc.parts[2]!.path, 'utf8')).trim(), JSON.stringify(chat('s4', 'line 4')));
    const lineBytes = Buffer.byteLength(JSON.stringify(chat('s0', 'line 0'))) + 1;
    const byBytes = await cli(['split', path, '--max-bytes', String(lineBytes * 3), '--out-dir', join(dir, 'parts2'), '--json']);
    assert.deepEqual((JSON.parse(byBytes.out) as { parts: { requests: number }[] }).parts.map((p) => p.requests), [3, 2]);
    assert.equal((await cli(['split', path])).code, 2);
  });
});
