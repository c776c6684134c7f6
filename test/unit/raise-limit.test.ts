import { test } from 'node:test';
import assert from 'node:assert/strict';
import { raiseTokenLimit } from '../../src/core/results/raiseLimit';

// Issue 20: a truncated line goes again with more room, in each provider's own field.
test('the token limit is raised in the field each provider reads, capped, and only where one is set', () => {
  const oa = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', max_completion_tokens: 300, messages: [] } });
  assert.deepEqual(JSON.parse(raiseTokenLimit(oa, 2)!.text).body.max_completion_tokens, 600);
  const an = JSON.stringify({ custom_id: 'a', params: { model: 'claude', max_tokens: 1024, messages: [] } });
  assert.deepEqual(raiseTokenLimit(an, 2, 1500), { text: JSON.stringify({ custom_id: 'a', params: { model: 'claude', max_tokens: 1500, messages: [] } }), from: 1024, to: 1500 });
  const ge = JSON.stringify({ key: 'k', request: { contents: [], generation_config: { max_output_tokens: 100 } } });
  assert.equal(JSON.parse(raiseTokenLimit(ge, 1.5)!.text).request.generation_config.max_output_tokens, 150);
  assert.equal(raiseTokenLimit(JSON.stringify({ custom_id: 'a', body: { model: 'm' } }), 2), undefined);
  assert.equal(raiseTokenLimit('{broken', 2), undefined);
});
