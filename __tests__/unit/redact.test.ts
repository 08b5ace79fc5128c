import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactDeep } from '../../src/report/redact.ts';

test('redact removes known secrets and credential-shaped text', () => {
  assert.equal(redact('token s3cr3t-value here', ['s3cr3t-value']), 'token *** here');
  assert.equal(redact('Authorization: Bearer ya29.a0AfH6SMBxyzxyzxyz', []), 'Authorization: Bearer ***');
  assert.equal(redact('leaked ghs_abcdefghijklmnopqrstuvwxyz0123', []), 'leaked ***');
  assert.equal(redact('github_pat_11ABCDEFG0123456789_abcdefghij', []), '***');
  assert.equal(redact('Permission run.services.getIamPolicy denied on projects/p', []), 'Permission run.services.getIamPolicy denied on projects/p');
});

test('redactDeep walks objects and arrays', () => {
  const out = redactDeep({ a: ['x Bearer abcdefghijkl'], b: { c: 'keep', n: 3 } }, []);
  assert.deepEqual(out, { a: ['x Bearer ***'], b: { c: 'keep', n: 3 } });
});
