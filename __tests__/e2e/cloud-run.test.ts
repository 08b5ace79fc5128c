import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { World } from '../fake-google/world.ts';
import { rulesOf, runAction } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_MEMBER = `serviceAccount:${SA}`;
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const ORDERS_NAME = 'projects/shop-prod/locations/us-central1/services/orders';

/** A Swagger 2.0 gateway config with one default backend used by two operations, and optional overrides. */
function swagger(defaultAddress: string, overrides: Record<string, string> = {}): string {
  const ops = Object.entries({ 'GET /orders': '', 'POST /orders': '', ...overrides });
  const byPath = new Map<string, string[]>();
  for (const [op, backend] of ops) {
    const [method = '', p = ''] = op.split(' ');
    const lines = [`    ${method.toLowerCase()}:`, `      operationId: ${method.toLowerCase()}${p.replace(/\W/g, '')}`];
    if (backend) lines.push('      x-google-backend:', ...backend.split('\n').map((l) => `        ${l}`));
    lines.push('      responses:', "        '200':", '          description: OK');
    byPath.set(p, [...(byPath.get(p) ?? []), ...lines]);
  }
  return [
    'swagger: "2.0"',
    'info: { title: shop, version: "1.0" }',
    'x-google-backend:',
    `  address: ${defaultAddress}`,
    'paths:',
    ...[...byPath].flatMap(([p, lines]) => [`  ${p}:`, ...lines]),
    '',
  ].join('\n');
}

function world(servicePolicy: World['runServices'] extends Array<infer S> | undefined ? S extends { iamPolicy?: infer P } ? P : never : never, extra: Partial<World> = {}): World {
  return {
    projects: [{ projectId: 'shop-prod', projectNumber: '123456789012', iamPolicy: { bindings: [] } }],
    runServices: [
      {
        name: ORDERS_NAME,
        uri: ORDERS,
        urls: [ORDERS, 'https://orders-123456789012.us-central1.run.app'],
        ingress: 'INGRESS_TRAFFIC_ALL',
        iamPolicy: servicePolicy,
      },
    ],
    ...extra,
  };
}

const inputs = { spec: 'openapi.yaml', 'service-account': SA, project: 'shop-prod' };

test('a private service granted to the gateway passes', async () => {
  const run = await runAction({
    inputs,
    files: { 'openapi.yaml': swagger(ORDERS) },
    world: world({ bindings: [{ role: 'roles/run.invoker', members: [SA_MEMBER] }] }),
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.result, 'pass');
  assert.equal(run.outputs.errors, '0');
  assert.deepEqual(rulesOf(run), []);
  assert.equal(run.report?.backends.length, 1);
  assert.deepEqual(run.report?.backends[0]?.operations, ['GET /orders', 'POST /orders']);
  assert.equal(run.report?.backends[0]?.resource, ORDERS_NAME);
  assert.match(run.summary, /pass/i);
});

test('a public service without its own grant fails with public-access and missing-invoker on the spec line', async () => {
  const run = await runAction({
    inputs,
    files: { 'openapi.yaml': swagger(ORDERS) },
    world: world({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] }),
  });
  assert.equal(run.code, 1);
  assert.equal(run.outputs.result, 'fail');
  assert.equal(run.outputs.errors, '2');
  assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
  const errors = run.annotations.filter((a) => a.level === 'error' && a.file === 'openapi.yaml');
  assert.equal(errors.length, 2);
  assert.ok(errors.every((a) => a.line === 3), JSON.stringify(errors));
  assert.ok(!run.stdout.includes('    at '), 'no stack trace');
});
