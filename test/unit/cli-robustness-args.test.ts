import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';

const cli = (...argv: string[]) => runCliCaptured(argv);

const sample = join(__dirname, '..', '..', 'samples', 'openai-valid.jsonl');

test('an unknown flag is named plainly, with the usage line, exit 2 and nothing on stdout', async () => {
  for (const command of ['validate', 'estimate', 'split', 'convert', 'submit', 'status', 'results', 'retry', 'cancel', 'list', 'run', 'emulator']) {
    const r = await cli(command, '--frobnicate', '--json');
    assert.equal(r.code, 2, command);
    assert.match(r.err, new RegExp(`^batchwise ${command}: unknown option --frobnicate\\nusage: `), command);
    assert.equal(r.out, '', command);
  }
});

test('a flag without its value says how to give one, also when the next word is another flag', async () => {
  const missing = await cli('split', sample, '--out-dir');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--out-dir needs a value, e\.g\. --out-dir VALUE/);
  const swallowed = await cli('split', sample, '--out-dir', '--json');
  assert.equal(swallowed.code, 2);
  assert.match(swallowed.err, /--out-dir needs a value/);
  const negative = await cli('status', 'bw-x', '--interval', '-1');
  assert.match(negative.err, /--interval needs a value, .*--interval=VALUE/);
  const boolWithValue = await cli('list', '--json=yes');
  assert.equal(boolWithValue.code, 2);
  assert.match(boolWithValue.err, /--json takes no value/);
});

test('bad numbers name the flag and the value', async () => {
  const cases: [string[], RegExp][] = [
    [['split', sample, '--out-dir', '/tmp/x', '--max-requests', 'abc'], /--max-requests must be a whole number of at least 1, got "abc"/],
    [['split', sample, '--out-dir', '/tmp/x', '--max-bytes', '0'], /--max-bytes must be at least 1 byte/],
    [['convert', sample, '--to', 'anthropic', '--max-tokens', '1.5'], /--max-tokens must be a positive integer/],
    [['status', 'bw-x', '--interval', 'abc'], /--interval must be a number of seconds/],
    [['run', sample, '--base-url', 'http://127.0.0.1:9/v1', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 1024/],
    [['emulator', '--port', '99999'], /--port must be a whole number from 0 to 65535, got "99999"/],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message, argv.join(' '));
    assert.equal(r.out, '');
  }
});

test('--help after a command prints that command\'s usage on stdout and exits 0', async () => {
  const r = await cli('split', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: batchwise split <file> .*--out-dir DIR/);
  assert.equal(r.err, '');
});
