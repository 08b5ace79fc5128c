import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpec } from '../../src/spec/index.ts';

const spec = [
  'swagger: "2.0"',
  'info: { title: t, version: "1" }',
  'x-defaults: &backend',
  '  address: https://orders-abc123-uc.a.run.app',
  '  deadline: 10',
  'x-google-backend:',
  '  <<: *backend',
  '  deadline: 30',
  'paths:',
  '  /a:',
  '    get:',
  '      x-google-backend: { <<: [*backend], jwt_audience: https://orders-abc123-uc.a.run.app }',
  '      responses: { "200": { description: ok } }',
  '',
].join('\n');

test('merge keys give their entries, and the mapping own keys win', () => {
  const { backends, findings } = parseSpec(spec, 'openapi.yaml');
  assert.deepEqual(findings, []);
  assert.equal(backends.length, 2);
  const top = backends.find((b) => b.line === 6);
  assert.deepEqual({ address: top?.address, deadline: top?.deadline }, { address: 'https://orders-abc123-uc.a.run.app', deadline: 30 });
  const override = backends.find((b) => b.line === 12);
  assert.equal(override?.jwtAudience, 'https://orders-abc123-uc.a.run.app');
  assert.deepEqual(override?.operations, ['GET /a']);
});

test('a merge key naming a scalar is an error at its line', () => {
  const bad = spec.replace('x-defaults: &backend\n  address: https://orders-abc123-uc.a.run.app\n  deadline: 10', 'x-defaults: &backend [1, 2]');
  const { findings } = parseSpec(bad, 'openapi.yaml');
  assert.ok(findings.some((f) => f.rule === 'invalid-spec' && /merge key/.test(f.message)), JSON.stringify(findings));
});
