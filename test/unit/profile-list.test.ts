import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loopbackOrigin, mergeProfiles, profileDescription } from '../../src/providers/profileList';
import { sandboxProfiles } from '../../src/extension/sandbox/sandboxProfiles';
import { defaultProfile } from '../../src/providers';
import type { ProviderProfile } from '../../src/providers/types';

const defaults = (['openai', 'anthropic', 'gemini'] as const).map((p) => defaultProfile(p));

test('the demo\'s emulator in the settings and the sandbox sharing it: one profile per provider and server, not look-alikes', () => {
  const emu = 'http://127.0.0.1:41234';
  // What `npm run demo` writes to the settings (test/e2e/lib/harness.mjs userSettings).
  const settings: ProviderProfile[] = [
    { name: 'openai', provider: 'openai', baseUrl: `${emu}/v1` },
    { name: 'anthropic', provider: 'anthropic', baseUrl: emu },
    { name: 'gemini', provider: 'gemini', baseUrl: emu },
  ];
  const merged = mergeProfiles(sandboxProfiles(emu), settings, defaults);
  assert.deepEqual(merged.map((p) => p.name), ['sandbox-local', 'openai', 'anthropic', 'gemini']);
  const openaiAtEmu = merged.filter((p) => p.provider === 'openai' && p.baseUrl?.startsWith(emu));
  assert.equal(openaiAtEmu.length, 1);

  // A sandbox of its own (another port) is a different server: both stay.
  const own = mergeProfiles(sandboxProfiles('http://127.0.0.1:5555'), settings, defaults);
  assert.ok(own.some((p) => p.name === 'sandbox-openai'));
  assert.ok(own.some((p) => p.name === 'openai'));
});

test('pickers describe what each profile is, not only its provider', () => {
  const sandbox = 'http://127.0.0.1:41234';
  assert.equal(profileDescription({ name: 'openai', provider: 'openai', baseUrl: `${sandbox}/v1` }, sandbox + '/v1'), 'OpenAI · sandbox (local emulator, no API key needed)');
  assert.equal(profileDescription(defaultProfile('anthropic'), undefined), 'Anthropic · official API');
  assert.equal(profileDescription({ name: 'vllm', provider: 'local', baseUrl: 'http://gpu-box:8000/v1' }, undefined), 'Local server · OpenAI-compatible server');
  assert.equal(profileDescription({ name: 'proxy', provider: 'openai', baseUrl: 'https://gateway.example.com/v1' }, sandbox), 'OpenAI · custom base URL');
  assert.equal(profileDescription({ name: 'emu', provider: 'gemini', baseUrl: 'http://localhost:9999' }, sandbox), 'Google Gemini · a server on this machine');
});

test('only this machine\'s URLs are probed as emulators', () => {
  assert.equal(loopbackOrigin('http://127.0.0.1:8080/v1'), 'http://127.0.0.1:8080');
  assert.equal(loopbackOrigin('http://localhost:11434/v1'), 'http://localhost:11434');
  assert.equal(loopbackOrigin('https://api.openai.com/v1'), undefined);
  assert.equal(loopbackOrigin('not a url'), undefined);
  assert.equal(loopbackOrigin(undefined), undefined);
});
