import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDER_LIMITS, windowMs } from '../../src/core/limits';
import { OPENAI_WINDOW_MS } from '../../src/emulator/openai/batches';
import { ANTHROPIC_WINDOW_MS } from '../../src/emulator/anthropic/batches';
import { GEMINI_WINDOW_MS } from '../../src/emulator/gemini/batches';
import { GEMINI_INLINE_MAX_BYTES } from '../../src/providers/gemini';
import { GEMINI_WINDOW_MS as TRACKER_GEMINI_WINDOW } from '../../src/core/jobs/treeModel';

// Issue 11: PROVIDER-FACTS.md's facts live in one table in code (core/limits.ts), each with its source, and the
// validator, splitter, tracker, adapters and emulator read them from there rather than keeping their own copies.

test('each hosted provider\'s facts carry a source, and the figures PROVIDER-FACTS.md gives', () => {
  for (const p of ['openai', 'anthropic', 'gemini'] as const) assert.match(PROVIDER_LIMITS[p].source, /https:\/\//, p);
  const MB = 1024 * 1024;
  assert.deepEqual(
    { requests: PROVIDER_LIMITS.openai.maxRequests, bytes: PROVIDER_LIMITS.openai.maxBytes / MB, embeddings: PROVIDER_LIMITS.openai.maxEmbeddingInputs, window: PROVIDER_LIMITS.openai.windowHours, kept: PROVIDER_LIMITS.openai.resultsRetention },
    { requests: 50_000, bytes: 200, embeddings: 50_000, window: 24, kept: { days: 30, from: 'ended' } },
  );
  assert.deepEqual(
    { requests: PROVIDER_LIMITS.anthropic.maxRequests, bytes: PROVIDER_LIMITS.anthropic.maxBytes / MB, window: PROVIDER_LIMITS.anthropic.windowHours, kept: PROVIDER_LIMITS.anthropic.resultsRetention },
    { requests: 100_000, bytes: 256, window: 24, kept: { days: 29, from: 'created' } },
  );
  assert.deepEqual({ inline: PROVIDER_LIMITS.gemini.inlineMaxBytes! / MB, window: PROVIDER_LIMITS.gemini.windowHours }, { inline: 20, window: 48 });
});

test('the emulator, the tracker and the Gemini adapter use the table', () => {
  assert.equal(OPENAI_WINDOW_MS, windowMs('openai'));
  assert.equal(ANTHROPIC_WINDOW_MS, windowMs('anthropic'));
  assert.equal(GEMINI_WINDOW_MS, windowMs('gemini'));
  assert.equal(TRACKER_GEMINI_WINDOW, 48 * 3_600_000);
  assert.equal(GEMINI_INLINE_MAX_BYTES, PROVIDER_LIMITS.gemini.inlineMaxBytes);
});
