/**
 * The early lookup (src/gate.ts lookUpEarly, src/pipeline.ts startResolution and serves): the verdict is what
 * the parse finds, whatever else the spec's text names, as when no early lookup is made (the control: a
 * service account given by resource name, which skips it). dist/index.js against the fake Google.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Policy, RunService, World } from '../fake-google/world.ts';
import { rulesOf, runAction, why } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const SA_NAME = 'projects/gw-host/accounts/112233445566778899001';
const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const REGION = 'us-central1';
const ORDERS = 'https://orders-abc123-uc.a.run.app';
const INVOKER = (...members: string[]): Policy => ({ bindings: [{ role: 'roles/run.invoker', members }] });
const EMPTY: Policy = { bindings: [] };

function service(name: string, policy: Policy = EMPTY): RunService {
  const uri = `https://${name}-abc123-uc.a.run.app`;
  return { name: `projects/${PROJECT}/locations/${REGION}/services/${name}`, uri, urls: [uri, `https://${name}-${NUMBER}.${REGION}.run.app`], ingress: 'INGRESS_TRAFFIC_ALL', iamPolicy: policy };
}

function world(services: RunService[]): World {
  return {
    organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: EMPTY }],
    folders: [{ name: 'folders/200', parent: 'organizations/1000', displayName: 'shop', iamPolicy: EMPTY }],
    projects: [
      { projectId: PROJECT, projectNumber: NUMBER, parent: 'folders/200', iamPolicy: EMPTY },
      { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
    ],
    serviceAccounts: [{ name: `projects/gw-host/serviceAccounts/${SA}`, email: SA, uniqueId: '112233445566778899001', projectId: 'gw-host', displayName: 'API Gateway' }],
    runServices: services,
  };
}

/** One backend, the hash-style ORDERS (no project input: nothing to search), and a description that is not a backend. */
const SPEC = [
  'swagger: "2.0"',
  'info:',
  '  title: shop',
  '  version: "1.0"',
  // Prose, not a backend: the parse ignores it, the early guess takes it.
  `  description: "orders used to be served at address: https://orders-${NUMBER}.${REGION}.run.app"`,
  'x-google-backend:',
  `  address: ${ORDERS}`,
  'paths:',
  '  /orders:',
  '    get:',
  '      operationId: list',
  '      responses: { "200": { description: OK } }',
  '',
].join('\n');

const gate = (inputs: Record<string, string>) =>
  runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA, ...inputs }, files: { 'openapi.yaml': SPEC }, world: world([service('orders', INVOKER(`serviceAccount:${SA}`))]) });

describe('early lookup: text that is not a backend must not decide a verdict', { concurrency: 2 }, () => {
  test('hash URL, no `project` input, a description naming a deterministic URL: backend-not-found, as with the early lookup skipped', async () => {
    // Control: the same spec and world with the account given by resource name (lookUpEarly returns at once).
    const control = await gate({ 'service-account': SA_NAME });
    assert.equal(control.outputs.result, 'fail', why(control));
    assert.deepEqual(rulesOf(control), ['backend-not-found:error']);

    const run = await gate({});
    assert.equal(run.outputs.result, 'fail', `the early lookup turned backend-not-found into a pass:\n${why(run)}`);
    assert.deepEqual(rulesOf(run), ['backend-not-found:error']);
  });

  test('the same with allowed-projects set: the allow-list does not make the prose a search candidate', async () => {
    const control = await gate({ 'service-account': SA_NAME, 'allowed-projects': PROJECT });
    assert.equal(control.outputs.result, 'fail', why(control));
    const run = await gate({ 'allowed-projects': PROJECT });
    assert.equal(run.outputs.result, 'fail', `the early lookup turned backend-not-found into a pass:\n${why(run)}`);
  });
});

/** OpenAPI 3 whose `x-google-api-management` key is written with a JSON escape: the prescan's OAS3 test misses it. */
const OAS3 = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'shop', version: '1.0' },
  'x-google-api-management': {
    backends: { orders: { address: ORDERS }, old: { address: `https://orders-${NUMBER}.${REGION}.run.app` } },
  },
  'x-google-backend': 'orders',
  paths: { '/orders': { get: { operationId: 'list', responses: { '200': { description: 'OK' } } } } },
}, null, 1).replace('"x-google-api-management"', '"x-google-api-m\\u0061nagement"');

test('OpenAPI 3 with an escaped x-google-api-management key: a declared backend no operation names neither is looked up nor decides', async () => {
  const oas3 = (inputs: Record<string, string>) =>
    runAction({ inputs: { spec: 'openapi.json', 'service-account': SA, ...inputs }, files: { 'openapi.json': OAS3 }, world: world([service('orders', INVOKER(`serviceAccount:${SA}`))]) });
  const control = await oas3({ 'service-account': SA_NAME });
  assert.deepEqual(control.report?.backends.map((b) => b.address), [ORDERS], why(control));
  assert.deepEqual(rulesOf(control), ['backend-not-found:error']);
  const run = await oas3({});
  assert.equal(run.outputs.result, 'fail', `the unused declared backend turned backend-not-found into a pass:\n${why(run)}`);
  const unused = run.requests.filter((r) => r.path.includes(`/projects/${NUMBER}`));
  assert.deepEqual(unused.map((r) => r.path), [], 'calls about the backend no operation names');
});

test('prose naming projects outside allowed-projects: no call about them, before or after the parse', async () => {
  const outside = ['https://us-central1-secret-proj.cloudfunctions.net/payroll', 'https://payroll-555555555555.us-central1.run.app', 'https://secret-proj.appspot.com', 'https://payroll-zzz999-uc.a.run.app'];
  const spec = SPEC.replace('  title: shop\n', `  title: shop\n${outside.map((a, i) => `  x-note-${i}: "address: ${a}"\n`).join('')}`);
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': SA, 'allowed-projects': PROJECT, project: PROJECT },
    files: { 'openapi.yaml': spec },
    world: world([service('orders', INVOKER(`serviceAccount:${SA}`))]),
  });
  assert.equal(run.outputs.result, 'pass', why(run));
  const leaked = run.requests.filter((r) => /secret-proj|555555555555|payroll/.test(decodeURIComponent(r.path) + JSON.stringify(r.body ?? '')));
  assert.deepEqual(leaked.map((r) => r.path), []);
});
