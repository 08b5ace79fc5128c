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
