/**
 * Addresses written to slip past the gate (an audit after issue 16), end to end through dist/index.js
 * against the fake Google API: a public function named with percent-encoded letters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { World } from '../fake-google/world.ts';
import { rulesOf, runAction } from './harness.ts';

const SA = 'gw@gw-host.iam.gserviceaccount.com';
const PROJECT = 'shop-prod';
const HOOK = `projects/${PROJECT}/locations/us-central1/functions/legacy-hook`;
const HOOK_URL = 'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook';

const world: World = {
  organizations: [{ name: 'organizations/1000', displayName: 'example.com', iamPolicy: { bindings: [] } }],
  projects: [
    { projectId: PROJECT, projectNumber: '123456789012', parent: 'organizations/1000', iamPolicy: { bindings: [] } },
    { projectId: 'gw-host', projectNumber: '210987654321', parent: 'organizations/1000' },
  ],
  functions: [
    {
      name: HOOK,
      environment: 'GEN_1',
      state: 'ACTIVE',
      url: HOOK_URL,
      buildConfig: { runtime: 'nodejs20', entryPoint: 'hook' },
      serviceConfig: { uri: HOOK_URL, ingressSettings: 'ALLOW_ALL' },
      iamPolicy: { bindings: [{ role: 'roles/cloudfunctions.invoker', members: ['allUsers', `serviceAccount:${SA}`] }] },
    },
  ],
};

const spec = (address: string) =>
  ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', `  address: ${address}`, 'paths:', '  /x:', '    get:', '      responses: { "200": { description: ok } }', ''].join('\n');

test('a function named with percent-encoded letters (/legacy-%68ook) is the function it names: public-access, not a passing warning', async () => {
  for (const address of [HOOK_URL, 'https://us-central1-shop-prod.cloudfunctions.net/legacy-%68ook', 'https://us-central1-shop-prod.cloudfunctions.net/%6Cegacy-hook']) {
    const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA }, files: { 'openapi.yaml': spec(address) }, world });
    // The encoded forms also get audience-mismatch: the default audience is the address as written.
    assert.ok(rulesOf(run).includes('public-access:error'), `${address}: ${rulesOf(run).join()}`);
    assert.equal(run.report?.result, 'fail');
  }
});

test('an address on a serverless domain that names no resource as written is backend-not-found (an error), never a passing warning', async () => {
  for (const address of [
    'https://us-central1-shop-prod.cloudfunctions.net/legacy-hook%20',
    'https://us-central1-shop-prod.cloudfunctions.net/',
    'https://orders.internal.run.app',
    'https://x.y.z.run.app',
    'https://-bad-.appspot.com',
    `https://${'a'.repeat(64)}-abc123-uc.a.run.app`,
  ]) {
    const run = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA }, files: { 'openapi.yaml': spec(address) }, world });
    assert.deepEqual(rulesOf(run).filter((r) => r !== 'audience-mismatch:error' && r !== 'unreachable-backend:warning'), ['backend-not-found:error'], address);
    assert.equal(run.report?.result, 'fail', address);
    assert.equal(run.requests.length, 0, `${address}: no Google call for an address that names nothing`);
  }
  // A host outside Google's serverless domains stays a warning: it cannot be verified, not known to be wrong.
  const other = await runAction({ inputs: { spec: 'openapi.yaml', 'service-account': SA }, files: { 'openapi.yaml': spec('https://api.example.com') }, world });
  assert.deepEqual(rulesOf(other), ['unsupported-backend:warning']);
});
