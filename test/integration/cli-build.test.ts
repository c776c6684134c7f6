import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { createProvider, defaultProfile } from '../../src/providers';
import { submitJob } from '../../src/jobs/submit';
import { downloadResults } from '../../src/jobs/results';
import { retryFailed } from '../../src/jobs/retry';
import { untilTerminal } from './support/providerHarness';

const exec = promisify(execFile);
const CLI = [resolve('node_modules/tsx/dist/cli.mjs'), resolve('src/cli/main.ts')];

/** `batchwise build` as a child process (exit codes, one JSON document), then its output submitted to the emulator. */
async function batchwise(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await exec(process.execPath, [...CLI, ...args], { env: { ...process.env } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('batchwise build', () => {
  let dir: string;
  let emu: Emulator;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-cli-build-'));
    emu = await startEmulator({ manualClock: true });
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints the summary; the file validates; submit records the sidecar and a retry keeps it', async () => {
    const data = join(dir, 'reviews.csv');
    await writeFile(data, 'id,review\nr1,"good, very"\nr2,bad [[fail]]\nr3,\n');
    const r = await batchwise(['build', data, '--to', 'openai', '--model', 'gpt-4o-mini', '--user', '{{review}}', '--id-column', 'id', '--json']);
    assert.equal(r.code, 1, r.err);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    assert.deepEqual(doc, {
      out: join(dir, 'reviews.jsonl'),
      rowsOut: join(dir, 'reviews.rows.jsonl'),
      requests: 2,
      provider: 'openai',
      model: 'gpt-4o-mini',
      skipped: [{ row: 3, reason: 'the user message is empty for this row (its placeholders are empty cells)' }],
      skippedCount: 1,
      warnings: [],
    });
    const v = await batchwise(['validate', doc.out as string, '--json']);
    assert.equal(v.code, 0, v.out);

    const store = new JobStore(join(dir, 'home'));
    const p = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'test-key', { retry: { baseDelayMs: 1 } });
    const submitted = await submitJob({ store, provider: p, inputPath: doc.out as string });
    assert.equal(submitted.sourceRowsPath, doc.rowsOut);
    const { job } = await untilTerminal(store, submitted, p, () => emu.clock.tick(60_000));
    await downloadResults(store, job, p);
    const retry = await retryFailed({ store, job: (await store.get(job.id))!, provider: p });
    assert.equal(retry.requests, 1);
    assert.equal(retry.retryJob?.sourceRowsPath, doc.rowsOut);
    const side = (await readFile(doc.rowsOut as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string });
    assert.deepEqual(side.map((s) => s.custom_id), ['r1', 'r2']);
  });

  it('usage mistakes exit 2; unreadable data exits 1, and nothing is written', async () => {
    const data = join(dir, 'x.csv');
    await writeFile(data, 'a\n1\n');
    const noUser = await batchwise(['build', data, '--model', 'm']);
    assert.equal(noUser.code, 2);
    assert.match(noUser.err, /no user message: give --user/);
    assert.equal((await batchwise(['build', join(dir, 'x.xlsx'), '--model', 'm', '--user', 'u'])).code, 2);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a,b\n1,"open\n');
    const r = await batchwise(['build', bad, '--model', 'm', '--user', '{{a}}']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^batchwise build: .*bad\.csv: .*Quote Not Closed/i);
    await assert.rejects(readFile(join(dir, 'bad.jsonl')));
  });
});
