import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providerFromCli } from '../../src/jobs/providerForJob';

test('the CLI honours the SDKs\' base URL variables when no --base-url is given, and --base-url wins', () => {
  const env = { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1', ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:8787', GEMINI_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:8787' };
  assert.equal(providerFromCli('openai', undefined, env).profile.baseUrl, 'http://127.0.0.1:8787/v1');
  assert.equal(providerFromCli('anthropic', undefined, env).profile.baseUrl, 'http://127.0.0.1:8787');
  assert.equal(providerFromCli('gemini', undefined, env).profile.baseUrl, 'http://127.0.0.1:8787');
  assert.equal(providerFromCli('openai', 'http://other:1/v1', env).profile.baseUrl, 'http://other:1/v1');
  assert.equal(providerFromCli('openai', undefined, { OPENAI_API_KEY: 'k' }).profile.baseUrl, undefined);
});
