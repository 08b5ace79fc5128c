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
