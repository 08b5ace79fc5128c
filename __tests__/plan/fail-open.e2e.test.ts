// The action (dist/index.js) with a planned API config: what the plan states about the gateway is not
// overridden by the pull request's policy file.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, rulesOf, runAction, why } from '../e2e/harness.ts';
import { apiConfig, plan } from './x-builder.ts';

const WORLD = path.join(FIXTURES, 'worlds/deployed-configs.yaml');
const ORDERS = 'swagger: "2.0"\ninfo: { title: shop, version: "1.0" }\nx-google-backend:\n  address: https://orders-abc123-uc.a.run.app\npaths:\n  /orders:\n    get:\n      operationId: listOrders\n      responses: { "200": { description: ok } }\n';

test('the policy file’s serviceAccounts does not replace the account the planned config runs as', async () => {
  const json = plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'other@gw-host.iam.gserviceaccount.com' })]);
  const files = { 'tfplan.json': JSON.stringify(json), 'openapi.yaml': ORDERS };
  const control = await runAction({ inputs: { 'terraform-plan': 'tfplan.json', project: 'shop-prod' }, files, world: WORLD });
  assert.deepEqual(rulesOf(control), ['missing-invoker:error'], why(control));
  const run = await runAction({
    inputs: { 'terraform-plan': 'tfplan.json', project: 'shop-prod' },
    files: { ...files, '.github/gateway-guard.yml': 'serviceAccounts:\n  openapi.yaml: gw@gw-host.iam.gserviceaccount.com\n' },
    world: WORLD,
  });
  assert.equal(run.code, 1, why(run));
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  assert.match(run.report!.findings[0]!.message, /other@gw-host\.iam\.gserviceaccount\.com/);
});

test('a for_each key with spaces: the public-access finding still lists the planned change and its .tf line', async () => {
  const PROJECT = 'shop-prod';
  const NUMBER = '123456789012';
  const address = 'module.api["eu west"].google_cloud_run_v2_service_iam_member.public["a b"]';
  const p = {
    format_version: '1.2',
    terraform_version: '1.9.5',
    applyable: true,
    complete: true,
    errored: false,
    resource_changes: [
      {
        address,
        module_address: 'module.api["eu west"]',
        mode: 'managed',
        type: 'google_cloud_run_v2_service_iam_member',
        name: 'public',
        index: 'a b',
        change: { actions: ['create'], before: null, after: { project: PROJECT, location: 'us-central1', name: 'orders', role: 'roles/run.invoker', member: 'allUsers', condition: [] }, after_unknown: { id: true, etag: true } },
      },
    ],
    configuration: { root_module: { module_calls: { api: { source: './modules/api', module: {} } } } },
  };
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'service-account': 'gw@gw-host.iam.gserviceaccount.com', project: PROJECT, 'terraform-plan': 'infra/tfplan.json' },
    files: {
      'openapi.yaml': `swagger: "2.0"\ninfo: { title: shop, version: "1.0" }\nx-google-backend:\n  address: https://orders-${NUMBER}.us-central1.run.app\npaths:\n  /orders:\n    get:\n      operationId: list\n      responses: { "200": { description: ok } }\n`,
      'infra/tfplan.json': JSON.stringify(p),
      'infra/modules/api/main.tf': 'resource "google_cloud_run_v2_service_iam_member" "public" {\n  for_each = toset(["a b"])\n}\n',
    },
    world: path.join(FIXTURES, 'worlds/deployed-configs.yaml'),
  });
  const f = run.report?.findings.find((x) => x.rule === 'public-access') as { message: string; planned?: Array<{ address: string; action: string; file: string | null; line: number | null }> } | undefined;
  assert.ok(f, why(run));
  assert.ok(f.message.includes(`${address} (create)`), f.message);
  assert.deepEqual(f.planned, [{ address, action: 'create', file: 'infra/modules/api/main.tf', line: 1 }]);
});
