// The action (dist/index.js) with `api-config`: needs the wiring of GateOptions.apiConfig (gate.ts, main.ts, inputs.ts).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, rulesOf, runAction } from '../e2e/harness.ts';

const WORLD = path.join(FIXTURES, 'worlds/deployed-configs.yaml');
const SA = 'gw@gw-host.iam.gserviceaccount.com';

test('api-config naming a gateway: the served config passes, without spec or service-account inputs', async () => {
  const run = await runAction({
    inputs: { 'api-config': 'projects/gw-host/locations/us-central1/gateways/shop-gw', project: 'shop-prod' },
    world: WORLD,
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.outputs.result, 'pass');
  assert.equal(run.report?.serviceAccount, SA);
  assert.equal(run.report?.backends.length, 2);
});

test('api-config naming an API: a public backend in one config fails; annotations name the deployed document and line', async () => {
  const run = await runAction({
    inputs: { 'api-config': 'projects/gw-host/locations/global/apis/shop', project: 'shop-prod' },
    world: WORLD,
  });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
  const errors = run.annotations.filter((a) => a.level === 'error');
  assert.ok(errors.length >= 2);
  // Not a file of the repository: no file= for GitHub to open, the place leads the message instead.
  assert.ok(errors.every((a) => a.file === undefined && a.message.startsWith('apis/shop/configs/shop-v2/status.yaml:7: ')), JSON.stringify(errors));
  assert.ok(run.report?.findings.every((f) => f.file === 'apis/shop/configs/shop-v2/status.yaml' && f.line === 7));
  assert.match(run.summary, /status-abc123/);
});

test('api-config that cannot be read fails closed', async () => {
  const run = await runAction({
    inputs: { 'api-config': 'projects/other-team/locations/global/apis/shop/configs/v1' },
    world: WORLD,
  });
  assert.equal(run.code, 1);
  assert.deepEqual(rulesOf(run), ['iam-unreadable:error']);
});

test('a malformed api-config, or spec and api-config together, are input errors', async () => {
  const bad = await runAction({ inputs: { 'api-config': 'projects/gw-host/locations/us-central1/apis/shop' }, world: WORLD });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /::error::Input `api-config` must be projects\/PROJECT\/locations\/global\/apis\/API\/configs\/CONFIG/);
  assert.equal(bad.requests.length, 0, 'rejected before any check');
  assert.match(bad.report?.findings[0]?.message ?? '', /Input `api-config` must be/);
  assert.match(bad.summary, /### gateway-guard: fail\n\nThe check did not run:\n\n```text\nInput `api-config` must be/);
  const both = await runAction({
    inputs: { spec: 'openapi.yaml', 'api-config': 'projects/gw-host/locations/global/apis/shop' },
    files: { 'openapi.yaml': 'swagger: "2.0"\n' },
    world: WORLD,
  });
  assert.equal(both.code, 1);
  assert.match(both.stdout, /::error::Give either `spec` .* or `api-config` .*, not both/);
});
