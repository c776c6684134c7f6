import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTurnaround } from '../../src/core/format';

test('turnaround reads in seconds, minutes or hours', () => {
  assert.deepEqual([null, 42, 185, 7800].map(formatTurnaround), ['n/a', '42 s', '3 min 5 s', '2 h 10 min']);
});
