/**
 * `spec` with `terraform-plan` and no `service-account`: the inputs allow it (a plan's API config supplies the
 * account when `spec` is not given), but here the specs are the config and there is no account to check their
 * backends for. That is an error, never a pass with nothing checked (it was, before: the backends were dropped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAction, why } from './harness.ts';

const PROJECT = 'shop-prod';
const NUMBER = '123456789012';
const ORDERS = `https://orders-${NUMBER}.us-central1.run.app`;
const SPEC = ['swagger: "2.0"', 'info: { title: shop, version: "1.0" }', 'x-google-backend:', `  address: ${ORDERS}`, 'paths:', '  /orders:', '    get:', '      operationId: list', "      responses: { '200': { description: OK } }", ''].join('\n');
const PLAN = { format_version: '1.2', terraform_version: '1.9.0', resource_changes: [], planned_values: {}, configuration: {} };

test('spec + terraform-plan without service-account: a public backend is not passed unchecked', async () => {
  const run = await runAction({
    inputs: { spec: 'openapi.yaml', 'terraform-plan': 'tfplan.json' },
    files: { 'openapi.yaml': SPEC, 'tfplan.json': JSON.stringify(PLAN) },
    world: {
      projects: [{ projectId: PROJECT, projectNumber: NUMBER, iamPolicy: { bindings: [] } }],
      runServices: [{
        name: `projects/${PROJECT}/locations/us-central1/services/orders`, uri: 'https://orders-abc123-uc.a.run.app', urls: [ORDERS],
        ingress: 'INGRESS_TRAFFIC_ALL', iamPolicy: { bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }] },
      }],
    },
  });
  assert.equal(run.outputs.result, 'fail', `a public backend passed, ${run.report?.backends.length} backend(s) checked, ${run.requests.length} Google call(s):\n${why(run)}`);
});
