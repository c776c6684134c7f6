import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';

/**
 * The Standard Webhooks scheme (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md), which
 * OpenAI and Gemini use for their completion events: headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), secret `whsec_<base64>`.
 *
 * The HMAC itself is the `standardwebhooks` package's `Webhook.sign`. Its `verify` is not used: it reads the wall
 * clock (no injectable time), takes one secret, and throws one error type for every failure, while callers here
 * need secret rotation and a reason they can act on.
 */

/** How far a timestamp may be from now, either way (the spec's and both providers' 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = 'whsec_';
/** Padded base64, as `standardwebhooks` decodes it (an unpadded or url-safe value would be refused there). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const WebhookSecretSchema = z
  .string()
  .refine((s) => s.startsWith(SECRET_PREFIX), { message: 'a webhook secret starts with "whsec_" (copy it whole from the provider\'s webhook settings)' })
  .refine((s) => s.length > SECRET_PREFIX.length && BASE64.test(s.slice(SECRET_PREFIX.length)), {
    message: 'after "whsec_" a webhook secret is base64 (A-Z, a-z, 0-9, +, /, padded with =); check that it was not cut short when copied',
  });
export type WebhookSecret = z.infer<typeof WebhookSecretSchema>;

export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

export interface SignInput {
  id: string;
  timestamp: Date;
  body: string | Buffer;
}

/** The three headers that sign `body` with `secret`; throws when the secret is not `whsec_` + base64. */
export function signWebhook(secret: string, { id, timestamp, body }: SignInput): WebhookHeaders {
  const parsed = WebhookSecretSchema.safeParse(secret);
  if (!parsed.success) throw new Error(`Cannot sign the webhook: ${parsed.error.issues[0]?.message ?? 'invalid secret'}.`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(parsed.data).sign(id, timestamp, body),
  };
}

/** A fresh message id (`msg_` + 24 random characters, as in the spec's examples); reuse it for every retry. */
export function newWebhookId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

/** A fresh 32-byte signing secret, for configs and tests. */
export function newWebhookSecret(): WebhookSecret {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export type VerifyFailure = 'missing_headers' | 'bad_signature' | 'too_old' | 'too_new' | 'bad_secret';
export type VerifyResult = { ok: true; id: string; timestamp: Date } | { ok: false; reason: VerifyFailure; message: string };

/** Node's IncomingHttpHeaders, or any record of header values (names matched without regard to case). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Checks a received webhook against every secret in `secrets` (more than one while a secret is rotated): the
 * headers are present, the timestamp is within 5 minutes of `now`, and one `v1,` signature in the header matches one
 * secret (compared in constant time). Messages say what to check; they never contain the secret or the body.
 */
export function verifyWebhook(secrets: readonly string[], headers: HeaderBag, body: string | Buffer, now: Date = new Date()): VerifyResult {
  const signers = signersOf(secrets);
  if (!Array.isArray(signers)) return signers;

  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatureText = header(headers, 'webhook-signature');
  const missing = [['webhook-id', id], ['webhook-timestamp', timestampText], ['webhook-signature', signatureText]].filter(([, v]) => !v).map(([name]) => name);
  if (!id || !timestampText || !signatureText) {
    return fail('missing_headers', `The request lacks the ${missing.join(', ')} header${missing.length > 1 ? 's' : ''} of a Standard Webhooks delivery: check that it comes from the provider and that no proxy strips these headers.`);
  }

  if (!/^\d{1,12}$/.test(timestampText.trim())) {
    return fail('bad_signature', 'The webhook-timestamp header is not a Unix time in seconds, so the request cannot be authenticated.');
  }
  const seconds = Number(timestampText.trim());
  const skew = Math.floor(now.getTime() / 1000) - seconds;
  if (skew > WEBHOOK_TOLERANCE_SECONDS) {
    return fail('too_old', `The webhook was signed ${skew} s ago, more than the ${WEBHOOK_TOLERANCE_SECONDS} s allowed: a replayed request, or this machine's clock is behind (check NTP).`);
  }
  if (-skew > WEBHOOK_TOLERANCE_SECONDS) {
    return fail('too_new', `The webhook is dated ${-skew} s in the future, more than the ${WEBHOOK_TOLERANCE_SECONDS} s allowed: this machine's clock or the sender's is wrong (check NTP).`);
  }

  // Node joins a repeated header with ", ": drop that comma so each signature still reads `v1,<base64>`.
  const offered = signatureText.split(/\s+/).map((s) => s.replace(/,$/, '')).filter((s) => s.startsWith('v1,')).map((s) => Buffer.from(s));
  if (offered.length === 0) {
    return fail('bad_signature', 'The webhook-signature header has no "v1," signature: the sender uses a scheme this receiver does not support.');
  }
  const timestamp = new Date(seconds * 1000);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  for (const signer of signers) {
    const expected = Buffer.from(signer.sign(id, timestamp, bytes));
    if (offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) return { ok: true, id, timestamp };
  }
  const which = signers.length > 1 ? `any of the ${signers.length} configured secrets` : 'the configured secret';
  return fail('bad_signature', `The webhook signature does not match ${which}: check that the secret is the one of this endpoint (rotated recently?) and that the body reaches the receiver unchanged (no re-encoding proxy or JSON re-serialization).`);
}

function signersOf(secrets: readonly string[]): Webhook[] | { ok: false; reason: 'bad_secret'; message: string } {
  if (secrets.length === 0) return fail('bad_secret', 'No webhook secret is configured: set BATCHWISE_WEBHOOK_SECRET (or the profile\'s secret) to the whsec_... value from the provider.');
  const signers: Webhook[] = [];
  for (const [i, secret] of secrets.entries()) {
    const parsed = WebhookSecretSchema.safeParse(secret);
    const where = secrets.length > 1 ? `Webhook secret ${i + 1} of ${secrets.length}` : 'The webhook secret';
    if (!parsed.success) return fail('bad_secret', `${where} is unusable: ${parsed.error.issues[0]?.message ?? 'not whsec_ + base64'}.`);
    signers.push(new Webhook(parsed.data));
  }
  return signers;
}

function header(headers: HeaderBag, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  // A header sent twice arrives as an array (or comma-joined by Node): its signatures all count.
  const text = Array.isArray(value) ? value.join(' ') : value;
  return text?.trim() ? text.trim() : undefined;
}

function fail<R extends VerifyFailure>(reason: R, message: string): { ok: false; reason: R; message: string } {
  return { ok: false, reason, message };
}
