/**
 * Property: a plan whose changes are all `no-op` or `read` (or data sources), whatever resources and values
 * they hold, gives the same report as no plan at all (apart from the list of plans read). Runs the gate
 * in-process against the fake Google API over real HTTP, on the demo world.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { FIXTURES, ROOT } from '../e2e/harness.ts';
import { startFakeGoogle, type FakeGoogle } from '../fake-google/server.ts';
import { runGate, type GateOptions } from '../../src/gate.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { change, plan } from './plans.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
let fake: FakeGoogle;
let workspace: string;

before(async () => {
  fake = await startFakeGoogle(path.join(FIXTURES, 'worlds/demo.yaml'));
  workspace = await mkdtemp(path.join(tmpdir(), 'gg-noop-plan-'));
  await copyFile(path.join(ROOT, 'examples/openapi.yaml'), path.join(workspace, 'openapi.yaml'));
});
after(() => fake.close());

const options = (plans?: string[]): GateOptions => ({
  specPatterns: ['openapi.yaml'],
  workspace,
  serviceAccount: 'gw@gw-host.iam.gserviceaccount.com',
  projects: ['shop-prod'],
  failOn: 'error',
  emulatorHost: fake.host,
  concurrency: 16,
  timeoutSeconds: 60,
  now: new Date('2026-12-01T00:00:00Z'),
  ...(plans ? { terraformPlans: plans } : {}),
});

const TYPES = [
  'google_cloud_run_v2_service_iam_member',
  'google_cloud_run_service_iam_binding',
  'google_cloud_run_v2_service_iam_policy',
  'google_cloudfunctions_function_iam_member',
  'google_cloudfunctions2_function_iam_binding',
  'google_project_iam_member',
  'google_project_iam_policy',
  'google_folder_iam_binding',
  'google_organization_iam_member',
  'google_iap_web_iam_member',
  'google_project_iam_member_remove',
  'google_cloud_run_v2_service',
  'google_cloud_run_service',
  'google_cloudfunctions_function',
  'google_cloudfunctions2_function',
  'google_project_iam_custom_role',
  'google_iam_deny_policy',
];
const member = fc.constantFrom('allUsers', 'allAuthenticatedUsers', 'serviceAccount:gw@gw-host.iam.gserviceaccount.com', 'group:ops@example.com', 'user:a@example.com');
const values = fc.record({
  project: fc.constantFrom('shop-prod', '123456789012', 'other'),
  location: fc.constantFrom('us-central1', 'europe-west1'),
  region: fc.constant('us-central1'),
  name: fc.constantFrom('orders', 'status', 'billing', 'legacy-hook', 'resize'),
  service: fc.constantFrom('orders', 'status'),
  cloud_function: fc.constantFrom('legacy-hook', 'resize'),
  folder: fc.constant('folders/200'),
  org_id: fc.constant('1000'),
  role: fc.constantFrom('roles/run.invoker', 'roles/cloudfunctions.invoker', 'roles/owner'),
  member,
  members: fc.array(member, { maxLength: 3 }),
  policy_data: fc.constant(JSON.stringify({ bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] })),
  ingress: fc.constantFrom('INGRESS_TRAFFIC_ALL', 'INGRESS_TRAFFIC_INTERNAL_ONLY'),
  invoker_iam_disabled: fc.boolean(),
  role_id: fc.constant('caller'),
  permissions: fc.constant(['run.routes.invoke']),
  parent: fc.constant('cloudresourcemanager.googleapis.com%2Fprojects%2Fshop-prod'),
  condition: fc.constant([]),
});
const entry = fc.record({ type: fc.constantFrom(...TYPES), action: fc.constantFrom('no-op', 'read', 'data'), before: values, after: values });

test('a plan of only no-op and read changes gives the same report as no plan', async () => {
  const baseline = (await runGate(options())).report;
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 8 }), async (entries) => {
      const file = `tfplan-${n++}.json`;
      const changes = entries.map((e, i) => {
        const rc = change(`${e.type}.r${i}`, [e.action === 'data' ? 'read' : e.action], e.action === 'no-op' ? e.before : null, e.action === 'no-op' ? e.before : e.after);
        return e.action === 'data' ? { ...rc, mode: 'data' as const, address: `data.${rc.address}` } : rc;
      });
      await writeFile(path.join(workspace, file), JSON.stringify(plan(changes, { project: 'shop-prod' })));
      const report = (await runGate(options([file]))).report;
      assert.deepEqual(report.terraformPlans, [file]);
      assert.equal(renderJsonReport({ ...report, terraformPlans: undefined }), renderJsonReport(baseline));
    }),
    { numRuns: 15, seed: SEED, endOnFailure: true },
  );
  assert.ok(baseline.findings.length > 0, 'the demo world has findings to keep');
});
