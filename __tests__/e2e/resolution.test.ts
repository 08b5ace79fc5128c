import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regionInitials } from '../../src/resolve/cloud-run.ts';
import { rulesOf, runAction } from './harness.ts';

test('regionInitials gives the usual hash-URL region code', () => {
  assert.equal(regionInitials('us-central1'), 'uc');
  assert.equal(regionInitials('europe-west1'), 'ew');
  assert.equal(regionInitials('asia-northeast1'), 'an');
});

const world = (region: string) => ({
  projects: [{ projectId: 'shop-prod', projectNumber: '123456789012', runLocations: ['asia-northeast1', 'europe-west1', 'us-central1', 'us-east1'] }],
  runServices: [
    {
      name: `projects/shop-prod/locations/${region}/services/orders`,
      uri: 'https://orders-abc123-uc.a.run.app',
      urls: ['https://orders-abc123-uc.a.run.app', 'https://orders-123456789012.us-central1.run.app'],
      iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: ['serviceAccount:gw@gw-host.iam.gserviceaccount.com'] }] },
    },
  ],
});
const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', '  address: https://orders-abc123-uc.a.run.app', 'paths: {}', ''].join('\n');
const listed = (paths: string[]) => paths.filter((p) => /^\/v2\/projects\/shop-prod\/locations\/[^/]+\/services$/.test(p)).sort();

test('a hash URL is looked for first in the region its code suggests, and only there when found', async () => {
  const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' }, files: { 'openapi.yaml': spec }, world: world('us-central1') });
  assert.deepEqual(rulesOf(run), []);
  assert.deepEqual(listed(run.requests.map((r) => r.path)), ['/v2/projects/shop-prod/locations/us-central1/services']);
});

test('when the code misleads, every other region is still searched', async () => {
  const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' }, files: { 'openapi.yaml': spec }, world: world('europe-west1') });
  assert.deepEqual(rulesOf(run), []);
  assert.equal(listed(run.requests.map((r) => r.path)).length, 4);
});

const gate = (address: string, w: Record<string, unknown>, inputs: Record<string, string> = {}) =>
  runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod', ...inputs },
    files: { 'openapi.yaml': spec.replace('https://orders-abc123-uc.a.run.app', address) },
    world: w,
  });

test('without a Cloud Run region list (404), every known region is searched', async () => {
  const w = { ...world('europe-west1'), faults: [{ method: 'GET', path: '^/v1/projects/shop-prod/locations$', status: 404 }] };
  const run = await gate('https://orders-abc123-uc.a.run.app', w);
  assert.deepEqual(rulesOf(run), []);
});

test('a deterministic URL whose project number Google will not look up is matched against the candidate projects', async () => {
  const w = {
    ...world('us-central1'),
    faults: [{ method: 'GET', path: '^/v3/projects/123456789012$', status: 403 }],
  };
  const run = await gate('https://orders-123456789012.us-central1.run.app', w);
  assert.deepEqual(rulesOf(run), []);
  assert.equal(run.report?.backends[0]?.resource, 'projects/shop-prod/locations/us-central1/services/orders');
});

test('a 1st-gen function unknown to the v2 API is read through v1', async () => {
  const w = {
    projects: [{ projectId: 'shop-prod', projectNumber: '123456789012' }],
    functions: [
      {
        name: 'projects/shop-prod/locations/us-central1/functions/hook',
        environment: 'GEN_1',
        url: 'https://us-central1-shop-prod.cloudfunctions.net/hook',
        iamPolicy: { bindings: [{ role: 'roles/cloudfunctions.invoker', members: ['serviceAccount:gw@gw-host.iam.gserviceaccount.com'] }] },
      },
    ],
    faults: [{ method: 'GET', path: '^/v2/projects/shop-prod/locations/us-central1/functions/hook$', status: 404 }],
  };
  const run = await gate('https://us-central1-shop-prod.cloudfunctions.net/hook', w);
  assert.deepEqual(rulesOf(run), []);
  assert.ok(run.requests.some((r) => r.path === '/v1/projects/shop-prod/locations/us-central1/functions/hook' && r.status === 200));
});

test('a 404 on the policy of a service just listed means no grant at all (not unreadable)', async () => {
  const w = { ...world('us-central1'), faults: [{ path: 'services/orders:getIamPolicy$', status: 404 }] };
  const run = await gate('https://orders-abc123-uc.a.run.app', w);
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
});

test('disable_auth is reported on a backend gateway-guard cannot verify too', async () => {
  const unsupported = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', '  address: https://api.example.com', '  disable_auth: true', 'paths: {}', ''].join('\n');
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' },
    files: { 'openapi.yaml': unsupported },
    world: world('us-central1'),
  });
  assert.deepEqual(rulesOf(run), ['auth-disabled:error', 'unsupported-backend:warning']);
  assert.equal(run.code, 1);
});

const publicWorld = (extra: Record<string, unknown> = {}) => {
  const w = world('us-central1');
  w.runServices[0]!.iamPolicy = {
    bindings: [
      { role: 'roles/run.invoker', members: ['serviceAccount:gw@gw-host.iam.gserviceaccount.com'] },
      { role: 'roles/run.invoker', members: ['allUsers'], ...extra },
    ],
  };
  return w;
};

test('a public service behind a plain-http or fully qualified address is still checked', async () => {
  const http = await gate('http://orders-abc123-uc.a.run.app', publicWorld());
  assert.deepEqual(rulesOf(http), ['public-access:error', 'unreachable-backend:warning']);
  const dotted = await gate('https://orders-abc123-uc.a.run.app.', publicWorld());
  assert.deepEqual(rulesOf(dotted), ['public-access:error']);
});

test('a public grant under a condition that is not a plain end time stays public', async () => {
  const run = await gate('https://orders-abc123-uc.a.run.app', publicWorld({ condition: { title: 'after 2020', expression: '!(request.time < timestamp("2020-01-01T00:00:00Z"))' } }));
  assert.deepEqual(rulesOf(run), ['public-access:error']);
});
