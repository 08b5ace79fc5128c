/** asset-inventory: true reads allow policies in bulk, and must reach exactly the verdicts of per-resource reads. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadWorld, type World } from '../fake-google/world.ts';
import { FIXTURES, ROOT, runAction, type ActionRun } from './harness.ts';

const findings = (run: ActionRun): string[] =>
  (run.report?.findings ?? []).map((f) => `${f.rule}:${f.severity}:${f.line}:${f.resource ?? ''}`).sort();

async function bothModes(world: World, spec: string, inputs: Record<string, string>): Promise<[ActionRun, ActionRun]> {
  const run = (assetInventory: string) =>
    runAction({ inputs: { spec: 'openapi.yaml', ...inputs, 'asset-inventory': assetInventory }, files: { 'openapi.yaml': spec }, world: structuredClone(world) });
  return Promise.all([run('false'), run('true')]);
}

test('demo world: same verdicts, fewer calls, policies read through effectiveIamPolicies.batchGet', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/demo.yaml'));
  const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
  const [single, bulk] = await bothModes(world, spec, { 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' });
  assert.deepEqual(findings(bulk), findings(single));
  assert.equal(bulk.code, single.code);
  assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet'), 'batchGet used');
  assert.ok(!bulk.requests.some((r) => /services\/[^/]+:getIamPolicy$/.test(r.path) && r.path.startsWith('/v2/projects/shop-prod/locations/us-central1')), 'no per-service policy read for Cloud Run');
  assert.ok(bulk.requests.length < single.requests.length, `${bulk.requests.length} < ${single.requests.length}`);
});

test('hierarchy world: inherited grants, deny policy, conditions and groups judged the same in both modes', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/hierarchy.yaml'));
  const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', '  address: https://a-xyz987-uc.a.run.app', 'paths:', '  /b:', '    get:', '      x-google-backend: { address: https://b-xyz987-uc.a.run.app }', '      responses: { "200": { description: ok } }', '  /r:', '    get:', '      x-google-backend: { address: https://reports-xyz987-ew.a.run.app }', '      responses: { "200": { description: ok } }', ''].join('\n');
  for (const account of ['org-gw', 'folder-gw', 'cond-gw', 'nobody']) {
    const [single, bulk] = await bothModes(world, spec, { 'service-account': `${account}@gw-host.iam.gserviceaccount.com`, project: 'data-prod' });
    assert.deepEqual(findings(bulk), findings(single), account);
    assert.ok(findings(single).length > 0 || account === 'org-gw', account);
    assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet' && r.status === 200), `${account}: bulk mode used batchGet`);
  }
});

test('a failing batch falls back to per-resource reads (and fails closed on those)', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/demo.yaml'));
  world.faults = [{ path: 'effectiveIamPolicies:batchGet', status: 403 }];
  const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
  const [single, bulk] = await bothModes(world, spec, { 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' });
  assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet' && r.status === 403), 'the batch was tried and refused');
  assert.deepEqual(findings(bulk), findings(single));
});
