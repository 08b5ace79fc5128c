/**
 * asset-inventory: true reads allow policies in bulk, and must reach exactly the verdicts of per-resource
 * reads; both modes are also checked against the verdicts the worlds call for (a shared evaluation bug
 * would otherwise pass both).
 */
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

const STATUS = 'projects/shop-prod/locations/us-central1/services/status';
/** examples/openapi.yaml in the demo world: status public and not granted, billing not granted, resize granted only the 1st-gen role. */
const DEMO_VERDICT = [
  `missing-invoker:error:22:${STATUS}`,
  'missing-invoker:error:28:projects/shop-prod/locations/europe-west1/services/billing',
  'missing-invoker:error:40:projects/shop-prod/locations/europe-west1/functions/resize',
  `public-access:error:22:${STATUS}`,
];

test('demo world: same verdicts, fewer calls, policies read through effectiveIamPolicies.batchGet', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/demo.yaml'));
  const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
  const [single, bulk] = await bothModes(world, spec, { 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' });
  assert.deepEqual(findings(single), DEMO_VERDICT);
  assert.deepEqual(findings(bulk), DEMO_VERDICT);
  assert.deepEqual([single.code, bulk.code], [1, 1]);
  assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet'), 'batchGet used');
  assert.ok(!bulk.requests.some((r) => /services\/[^/]+:getIamPolicy$/.test(r.path) && r.path.startsWith('/v2/projects/shop-prod/locations/us-central1')), 'no per-service policy read for Cloud Run');
  assert.ok(bulk.requests.length < single.requests.length, `${bulk.requests.length} < ${single.requests.length}`);
});

test('hierarchy world: inherited grants, deny policy, conditions and groups judged the same in both modes', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/hierarchy.yaml'));
  const spec = ['swagger: "2.0"', 'info: { title: t, version: "1" }', 'x-google-backend:', '  address: https://a-xyz987-uc.a.run.app', 'paths:', '  /b:', '    get:', '      x-google-backend: { address: https://b-xyz987-uc.a.run.app }', '      responses: { "200": { description: ok } }', '  /r:', '    get:', '      x-google-backend: { address: https://reports-xyz987-ew.a.run.app }', '      responses: { "200": { description: ok } }', ''].join('\n');
  const A = 'projects/data-prod/locations/us-central1/services/a';
  const B = 'projects/data-prod/locations/us-central1/services/b';
  const REPORTS = 'projects/data-prod/locations/europe-west1/services/reports';
  const backends = [`3:${A}`, `8:${B}`, `12:${REPORTS}`];
  const internal = `unreachable-backend:warning:12:${REPORTS}`;
  // cond-gw's grant holds from 08:00 Berlin time on: a time-bound grant (conditional-grant) while it holds;
  // an evaluator that judges the hour may call it no grant at all before then (missing-invoker).
  const berlinHour = Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Berlin' }).format(new Date()));
  const expected: Record<string, { verdicts: string[][] }> = {
    'org-gw': { verdicts: [[internal]] }, // granted on the organization
    'folder-gw': { verdicts: [[...backends.map((b) => `missing-invoker:error:${b}`), internal]] }, // folder grant, denied on the project
    'cond-gw': {
      verdicts: [
        [...backends.map((b) => `conditional-grant:warning:${b}`), internal],
        ...(berlinHour < 8 ? [[...backends.map((b) => `missing-invoker:error:${b}`), internal]] : []),
      ],
    },
    nobody: { verdicts: [[internal, ...backends.map((b) => `unverified-grant:warning:${b}`)]] }, // only a group may invoke
  };
  for (const account of ['org-gw', 'folder-gw', 'cond-gw', 'nobody']) {
    const [single, bulk] = await bothModes(world, spec, { 'service-account': `${account}@gw-host.iam.gserviceaccount.com`, project: 'data-prod' });
    assert.deepEqual(findings(bulk), findings(single), account);
    const want = expected[account]!;
    assert.ok(want.verdicts.some((v) => JSON.stringify([...v].sort()) === JSON.stringify(findings(single))), `${account}: ${findings(single).join(', ')}`);
    const fails = findings(single).some((f) => f.includes(':error:')) ? 1 : 0;
    assert.deepEqual([single.code, bulk.code], [fails, fails], account);
    assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet' && r.status === 200), `${account}: bulk mode used batchGet`);
  }
});

test('a failing batch falls back to per-resource reads (and fails closed on those)', async () => {
  const world = await loadWorld(path.join(FIXTURES, 'worlds/demo.yaml'));
  world.faults = [{ path: 'effectiveIamPolicies:batchGet', status: 403 }];
  const spec = await readFile(path.join(ROOT, 'examples/openapi.yaml'), 'utf8');
  const [single, bulk] = await bothModes(world, spec, { 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: 'shop-prod' });
  assert.ok(bulk.requests.some((r) => r.methodId === 'cloudasset.effectiveIamPolicies.batchGet' && r.status === 403), 'the batch was tried and refused');
  assert.deepEqual(findings(single), DEMO_VERDICT);
  assert.deepEqual(findings(bulk), DEMO_VERDICT);
});
