import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profilesWithSecrets } from '../../src/extension/profileSettings';

test('finds profiles with a key in settings, by name or position', () => {
  const raw = [
    { name: 'azure', provider: 'openai', baseUrl: 'https://x.openai.azure.com/openai/v1', apiKey: 'abc123' },
    { name: 'plain', provider: 'anthropic' },
    { provider: 'gemini', api_key: 'AIza...' },
    { name: 'proxy', provider: 'openai', Authorization: 'Bearer x' },
    { name: 'empty', provider: 'openai', apiKey: '  ' },
  ];
  assert.deepEqual(profilesWithSecrets(raw), ['azure', '#3', 'proxy']);
});

test('ignores anything that is not a list of objects', () => {
  assert.deepEqual(profilesWithSecrets(undefined), []);
  assert.deepEqual(profilesWithSecrets({ apiKey: 'x' }), []);
  assert.deepEqual(profilesWithSecrets([null, 'apiKey', 3]), []);
});

test('ordinary profile fields are not secrets', () => {
  assert.deepEqual(profilesWithSecrets([{ name: 'local', provider: 'local', baseUrl: 'http://localhost:8000/v1', concurrency: 8, organization: 'org-1', project: 'p' }]), []);
});
