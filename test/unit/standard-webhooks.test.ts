import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_TOLERANCE_SECONDS, WebhookSecretSchema, newWebhookId, newWebhookSecret, signWebhook, verifyWebhook } from '../../src/core/webhooks/standardWebhooks';

const body = JSON.stringify({ id: 'evt_1', object: 'event', created_at: 1_750_000_000, type: 'batch.completed', data: { id: 'batch_abc' } });

function signedNow(secret: string, at = new Date()) {
  return { headers: signWebhook(secret, { id: newWebhookId(), timestamp: at, body }), at };
}

describe('Standard Webhooks: signing', () => {
  // The spec's own vector: standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts, "sign function works".
  it('reproduces the published test vector of the Standard Webhooks reference library', () => {
    const headers = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330 * 1000), body: '{"test": 2432232314}' });
    assert.deepEqual(headers, {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
    const ok = verifyWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], headers, '{"test": 2432232314}', new Date(1614265330 * 1000 + 60_000));
    assert.deepEqual(ok, { ok: true, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330 * 1000) });
  });

  it('refuses to sign with a secret that is not whsec_ + base64', () => {
    assert.throws(() => signWebhook('not-a-secret', { id: 'msg_1', timestamp: new Date(), body }), /starts with "whsec_"/);
  });

  it('makes fresh ids and secrets that the schema accepts', () => {
    assert.match(newWebhookId(), /^msg_[A-Za-z0-9_-]{24}$/);
    assert.notEqual(newWebhookId(), newWebhookId());
    const secret = newWebhookSecret();
    assert.ok(WebhookSecretSchema.safeParse(secret).success);
    assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
  });
});

describe('Standard Webhooks: verifying', () => {
  const secret = newWebhookSecret();

  it('accepts what signWebhook produced, with its id and timestamp', () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { headers } = signedNow(secret, at);
    assert.deepEqual(verifyWebhook([secret], headers, body, at), { ok: true, id: headers['webhook-id'], timestamp: at });
    // A Buffer body (the raw bytes a server reads) verifies the same way.
    assert.equal(verifyWebhook([secret], headers, Buffer.from(body), at).ok, true);
  });

  // An independent reference: the openai SDK's verifier (openai-node resources/webhooks/webhooks.js, WebCrypto HMAC).
  it('produces headers the openai SDK verifies and unwraps', async () => {
    const client = new OpenAI({ apiKey: 'x', webhookSecret: secret });
    const { headers } = signedNow(secret);
    await client.webhooks.verifySignature(body, headers);
    const event = await client.webhooks.unwrap(body, headers);
    assert.equal(event.type, 'batch.completed');
    assert.deepEqual(event.data, { id: 'batch_abc' });
    await assert.rejects(client.webhooks.verifySignature(`${body} `, headers), /signature/);
  });

  // And the other way round: the standardwebhooks package's Webhook.sign (spec reference implementation) signs, we verify.
  it('accepts headers signed by the standardwebhooks package', () => {
    const id = 'msg_2LJNpBAaJ5qvKk3Z1aU5EnXbJrE';
    const at = new Date();
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
    const result = verifyWebhook([secret], headers, body, at);
    assert.equal(result.ok, true);
  });

  it('refuses a tampered body as bad_signature', () => {
    const { headers, at } = signedNow(secret);
    const result = verifyWebhook([secret], headers, body.replace('batch_abc', 'batch_xyz'), at);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'bad_signature');
  });

  it('refuses another secret as bad_signature, without echoing either secret or the body', () => {
    const other = newWebhookSecret();
    const { headers, at } = signedNow(secret);
    const result = verifyWebhook([other], headers, body, at);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'bad_signature');
    for (const leaked of [secret, other, secret.slice(6), other.slice(6), 'batch_abc']) assert.ok(!result.message.includes(leaked), 'the message leaks a secret or the body');
  });

  it('refuses a timestamp 6 minutes old as too_old and 6 minutes ahead as too_new, and accepts 4 minutes either way', () => {
    const signedAt = new Date();
    const { headers } = signedNow(secret, signedAt);
    const minutes = (m: number) => new Date(signedAt.getTime() + m * 60_000);
    const old = verifyWebhook([secret], headers, body, minutes(6));
    assert.ok(!old.ok);
    assert.equal(old.reason, 'too_old');
    assert.match(old.message, /replayed|clock/);
    const future = verifyWebhook([secret], headers, body, minutes(-6));
    assert.ok(!future.ok);
    assert.equal(future.reason, 'too_new');
    assert.equal(verifyWebhook([secret], headers, body, minutes(4)).ok, true);
    assert.equal(verifyWebhook([secret], headers, body, minutes(-4)).ok, true);
    assert.equal(WEBHOOK_TOLERANCE_SECONDS, 300);
  });

  it('reports every missing header as missing_headers, naming them', () => {
    const { headers, at } = signedNow(secret);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const partial: Record<string, string> = { ...headers };
      delete partial[name];
      const result = verifyWebhook([secret], partial, body, at);
      assert.ok(!result.ok);
      assert.equal(result.reason, 'missing_headers');
      assert.match(result.message, new RegExp(name));
    }
    const none = verifyWebhook([secret], {}, body, at);
    assert.ok(!none.ok && none.reason === 'missing_headers');
  });

  it('refuses a timestamp that is not Unix seconds', () => {
    const { headers, at } = signedNow(secret);
    const result = verifyWebhook([secret], { ...headers, 'webhook-timestamp': 'yesterday' }, body, at);
    assert.ok(!result.ok && result.reason === 'bad_signature');
  });

  it('accepts a header with several signatures when one is valid (space separated, or repeated and comma-joined by Node)', () => {
    const { headers, at } = signedNow(secret);
    const valid = headers['webhook-signature'];
    const junk = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    assert.equal(verifyWebhook([secret], { ...headers, 'webhook-signature': `${junk} v2,${valid.slice(3)} ${valid}` }, body, at).ok, true);
    assert.equal(verifyWebhook([secret], { ...headers, 'webhook-signature': `${junk}, ${valid}` }, body, at).ok, true);
    assert.equal(verifyWebhook([secret], { ...headers, 'webhook-signature': [junk, valid] }, body, at).ok, true);
    // Only unknown versions, or only wrong v1 signatures: refused.
    const v2only = verifyWebhook([secret], { ...headers, 'webhook-signature': `v2,${valid.slice(3)}` }, body, at);
    assert.ok(!v2only.ok && v2only.reason === 'bad_signature');
    const junkOnly = verifyWebhook([secret], { ...headers, 'webhook-signature': `${junk} ${junk}` }, body, at);
    assert.ok(!junkOnly.ok && junkOnly.reason === 'bad_signature');
  });

  it('matches header names regardless of case', () => {
    const { headers, at } = signedNow(secret);
    const upper = { 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'], 'Webhook-Signature': headers['webhook-signature'] };
    assert.equal(verifyWebhook([secret], upper, body, at).ok, true);
  });

  it('accepts either secret while one is rotated, in any order', () => {
    const previous = newWebhookSecret();
    const signedWithOld = signedNow(previous);
    const signedWithNew = signedNow(secret);
    assert.equal(verifyWebhook([secret, previous], signedWithOld.headers, body, signedWithOld.at).ok, true);
    assert.equal(verifyWebhook([previous, secret], signedWithNew.headers, body, signedWithNew.at).ok, true);
    const neither = verifyWebhook([newWebhookSecret(), newWebhookSecret()], signedWithNew.headers, body, signedWithNew.at);
    assert.ok(!neither.ok);
    assert.equal(neither.reason, 'bad_signature');
    assert.match(neither.message, /any of the 2 configured secrets/);
  });

  it('reports a missing or malformed secret as bad_secret, saying which one', () => {
    const { headers, at } = signedNow(secret);
    const none = verifyWebhook([], headers, body, at);
    assert.ok(!none.ok && none.reason === 'bad_secret');
    assert.match(none.message, /BATCHWISE_WEBHOOK_SECRET/);
    const cut = verifyWebhook([secret, 'whsec_abc'], headers, body, at);
    assert.ok(!cut.ok && cut.reason === 'bad_secret');
    assert.match(cut.message, /secret 2 of 2/);
    assert.ok(!cut.message.includes(secret));
    const raw = verifyWebhook(['plain-text-secret'], headers, body, at);
    assert.ok(!raw.ok && raw.reason === 'bad_secret');
    assert.match(raw.message, /whsec_/);
  });

  it('validates secrets for config files', () => {
    assert.equal(WebhookSecretSchema.safeParse('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').success, true);
    for (const bad of ['', 'whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_abc', 'whsec_ab!d', 'whsec_abc-_w==']) {
      assert.equal(WebhookSecretSchema.safeParse(bad).success, false, `accepted ${JSON.stringify(bad)}`);
    }
  });
});
