import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTS, HOST_IDS, hostFromBaseUrl, hostStatusOf, openAIStatusOf } from '../../src/core/hosts';
import { toHostLine } from '../../src/core/hostLines';
import { limitsFor, PROVIDER_LIMITS } from '../../src/core/limits';
import { validateText } from '../../src/core/validate';
import { normalizeOpenAIStatus } from '../../src/providers/normalize';
import { defaultProfile } from '../../src/providers';
import { hostOfProfileName, withDetectedHost } from '../../src/providers/hostProfile';
import { profileDescription } from '../../src/providers/profileList';

const line = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, ...extra });

describe('the OpenAI-compatible hosts table', () => {
  it('every host has a label, an https base URL on one of its hostnames, a key variable, windows and a documented source', () => {
    for (const id of HOST_IDS) {
      const h = HOSTS[id];
      assert.equal(h.limits.label, h.label, id);
      assert.match(h.limits.source, /^https:\/\//, `${id} cites where its limits come from`);
      assert.match(h.apiKeyEnv, /^[A-Z]+_(API_KEY|TOKEN)$/, id);
      assert.ok(h.completionWindows.length > 0, id);
      assert.equal(hostFromBaseUrl(h.baseUrl), id, `${id}'s own base URL is detected as ${id}`);
    }
  });

  it('holds the documented figures that differ from OpenAI', () => {
    assert.deepEqual([HOSTS.together.limits.maxRequests, HOSTS.together.limits.maxBytes, HOSTS.together.limits.maxCustomIdLength], [50_000, 100 * 1024 * 1024, 64]);
    assert.equal(HOSTS.doubleword.completionWindows[0], '1h');
    assert.equal(HOSTS.doubleword.limits.maxCustomIdLength, 64);
    assert.equal(HOSTS.novita.completionWindows[0], '48h');
    assert.equal(HOSTS.nebius.limits.maxRequests, 5_000_000);
    assert.deepEqual(HOST_IDS.filter((id) => HOSTS[id].support === 'none').sort(), ['fireworks', 'mistral', 'openrouter']);
  });

  it('detects a host by hostname (subdomains too), never OpenAI, a proxy or the emulator', () => {
    assert.equal(hostFromBaseUrl('https://api.together.xyz/v1'), 'together');
    assert.equal(hostFromBaseUrl('https://eu.api.doubleword.ai/v1'), 'doubleword');
    assert.equal(hostFromBaseUrl('https://api.openai.com/v1'), undefined);
    assert.equal(hostFromBaseUrl('http://127.0.0.1:4010/v1'), undefined);
    assert.equal(hostFromBaseUrl('https://evil-api.together.xyz.example.com/v1'), undefined);
    assert.equal(hostFromBaseUrl('not a url'), undefined);
  });

  it('profiles: a base URL on a host makes that host\'s profile; a recorded name keeps it', () => {
    assert.deepEqual(defaultProfile('openai', 'https://api.groq.com/openai/v1'), { name: 'groq@api.groq.com', provider: 'openai', baseUrl: 'https://api.groq.com/openai/v1', host: 'groq' });
    assert.equal(defaultProfile('local', 'https://api.groq.com/openai/v1').host, undefined, 'only the openai provider has hosts');
    assert.equal(hostOfProfileName('novita@127.0.0.1:1234'), 'novita');
    assert.equal(hostOfProfileName('openai@api.together.xyz'), undefined);
    assert.equal(hostOfProfileName('together'), undefined);
    assert.equal(withDetectedHost({ name: 'mine', provider: 'openai', baseUrl: 'https://api.parasail.io/v1' }).host, 'parasail');
  });

  it('limitsFor picks the host\'s limits for a host profile, OpenAI\'s otherwise', () => {
    assert.equal(limitsFor({ provider: 'openai', host: 'together' }), HOSTS.together.limits);
    assert.equal(limitsFor({ provider: 'openai' }), PROVIDER_LIMITS.openai);
    assert.equal(limitsFor({ provider: 'anthropic', host: 'together' }), PROVIDER_LIMITS.anthropic);
  });
});

describe('host statuses', () => {
  it('normalizes upper-case and host-named statuses to Batchwise\'s', () => {
    const norm = (host: Parameters<typeof openAIStatusOf>[0], raw: string) => normalizeOpenAIStatus(openAIStatusOf(host, raw));
    assert.equal(norm('together', 'IN_PROGRESS'), 'in_progress');
    assert.equal(norm('together', 'COMPLETED'), 'completed');
    assert.equal(norm('novita', 'PROGRESS'), 'in_progress');
    assert.equal(norm('novita', 'CANCELLING'), 'cancelling');
    assert.equal(norm('mistral', 'TIMEOUT_EXCEEDED'), 'expired');
    assert.equal(norm('mistral', 'SUCCESS'), 'completed');
    assert.equal(norm(undefined, 'PROGRESS'), 'unknown', 'PROGRESS is Novita\'s word, not OpenAI\'s');
    assert.equal(norm('together', 'SOMETHING_NEW'), 'unknown');
  });

  it('the emulator\'s spelling round-trips through the normalization for every host and status', () => {
    for (const id of HOST_IDS) {
      for (const s of ['validating', 'in_progress', 'completed', 'failed', 'expired', 'cancelling', 'cancelled']) {
        assert.equal(openAIStatusOf(id, hostStatusOf(id, s)), s, `${id} ${s}`);
      }
    }
    assert.equal(hostStatusOf('novita', 'in_progress'), 'PROGRESS');
    assert.equal(hostStatusOf('together', 'in_progress'), 'IN_PROGRESS');
    assert.equal(hostStatusOf('groq', 'in_progress'), 'in_progress');
  });
});

describe('toHostLine', () => {
  it('drops method and url for custom_id + body hosts, keeping everything else', () => {
    assert.deepEqual(JSON.parse(toHostLine(line('a'), 'together')), { custom_id: 'a', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } });
    assert.deepEqual(JSON.parse(toHostLine(line('a'), 'novita')), { custom_id: 'a', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } });
  });

  it('moves the model to the job for Mistral and Fireworks (no body.model)', () => {
    assert.deepEqual(JSON.parse(toHostLine(line('a'), 'mistral')), { custom_id: 'a', body: { messages: [{ role: 'user', content: 'hi' }] } });
  });

  it('passes lines through byte for byte where the host takes OpenAI\'s format, or nothing changes', () => {
    const text = `${line('a')}`.replace('{', '{ ');
    assert.equal(toHostLine(text, 'groq'), text);
    const bare = '{ "custom_id": "a", "body": {"model": "m"} }';
    assert.equal(toHostLine(bare, 'together'), bare);
    assert.equal(toHostLine('not json', 'together'), 'not json');
    assert.equal(toHostLine('[1,2]', 'novita'), '[1,2]');
  });
});

describe('validation against a host\'s limits', () => {
  it('a custom_id over Together\'s 64 characters is an error naming Together AI, with a shortened id as the fix', () => {
    const long = 'x'.repeat(70);
    const r = validateText([line('ok'), line('y'.repeat(64)), line(long)].join('\n'), { provider: 'openai', limits: HOSTS.together.limits });
    const found = r.diagnostics.filter((d) => d.code === 'custom-id-too-long');
    assert.equal(found.length, 1, 'exactly 64 is allowed');
    const d = found[0]!;
    assert.equal(d.line, 3);
    assert.equal(d.severity, 'error');
    assert.match(d.message, /70 characters; Together AI accepts at most 64/);
    const fixed = JSON.parse(d.fix!.edits[0]!.text) as string;
    assert.ok(fixed.length <= 64, fixed);
    assert.ok(fixed.endsWith('-3'), 'the line number keeps the shortened id unique');
  });

  it('OpenAI (no cap) and Groq accept the same long id', () => {
    const text = line('z'.repeat(200));
    assert.equal(validateText(text, { provider: 'openai' }).diagnostics.filter((d) => d.code === 'custom-id-too-long').length, 0);
    assert.equal(validateText(text, { provider: 'openai', limits: HOSTS.groq.limits }).diagnostics.filter((d) => d.code === 'custom-id-too-long').length, 0);
  });

  it('request and size limits name the host', () => {
    const r = validateText([line('a'), line('b'), line('c')].join('\n'), { provider: 'openai', limits: { ...HOSTS.parasail.limits, maxRequests: 2 } });
    const d = r.diagnostics.find((x) => x.code === 'too-many-requests');
    assert.ok(d);
    assert.match(d.message, /Parasail accepts at most 2 per batch/);
  });
});

describe('host profiles in pickers', () => {
  it('describes a host profile by the host, also when only its base URL tells', () => {
    assert.equal(profileDescription({ name: 't', provider: 'openai', baseUrl: 'https://api.together.xyz/v1' }, undefined), 'Together AI · OpenAI-compatible batch host');
    assert.equal(profileDescription({ name: 'm', provider: 'openai', host: 'mistral', baseUrl: 'http://127.0.0.1:1/v1' }, undefined), 'Mistral · OpenAI-compatible batch host (validation only)');
    assert.equal(profileDescription({ name: 'p', provider: 'openai', baseUrl: 'https://proxy.example.com/v1' }, undefined), 'OpenAI · custom base URL');
  });
});
