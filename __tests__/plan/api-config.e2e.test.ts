// The action (dist/index.js) with `terraform-plan` and neither `spec` nor `api-config`: the planned
// google_api_gateway_api_config is the source of the documents and the gateway service account.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../cli/harness.ts';
import { FIXTURES, rulesOf, runAction, why } from '../e2e/harness.ts';
import { startFakeGoogle } from '../fake-google/server.ts';
import { apiConfig, plan } from './x-builder.ts';

const WORLD = path.join(FIXTURES, 'worlds/deployed-configs.yaml');
const FIXTURE = path.join(FIXTURES, 'plans/x-workspace');
const ORDERS = 'swagger: "2.0"\ninfo: { title: shop, version: "1.0" }\nx-google-backend:\n  address: https://orders-abc123-uc.a.run.app\npaths:\n  /orders:\n    get:\n      operationId: listOrders\n      responses: { "200": { description: ok } }\n';
const STATUS = 'swagger: "2.0"\ninfo: { title: status, version: "1.0" }\npaths:\n  /status:\n    get:\n      operationId: status\n      x-google-backend:\n        address: https://status-abc123-uc.a.run.app\n      responses: { "200": { description: ok } }\n';

/** The fixture workspace (Terraform root module in infra/, modules, the plan JSON) as harness files. */
async function fixtureFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(FIXTURE, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(FIXTURE, full)] = await readFile(full, 'utf8');
  }
  return files;
}

test('the plan creates the gateway account and the config: its document is the module file, annotated there', async () => {
  const run = await runAction({
    inputs: { 'terraform-plan': 'infra/*.json', project: 'shop-prod', 'service-account': 'gw@gw-host.iam.gserviceaccount.com' },
    files: await fixtureFiles(),
    world: WORLD,
  });
  assert.equal(run.code, 1, why(run));
  assert.equal(run.report?.serviceAccount, 'gw-planned@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(run.report?.specFiles, ['infra/modules/gateway/openapi.yaml']);
  // The planned account has no invoker grant on orders (live), so the gate fails on it.
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  const finding = run.report!.findings[0]!;
  assert.deepEqual([finding.file, finding.line], ['infra/modules/gateway/openapi.yaml', 3]);
  assert.match(finding.message, /gw-planned@gw-host\.iam\.gserviceaccount\.com/);
  const annotation = run.annotations.find((a) => a.level === 'error');
  assert.deepEqual([annotation?.file, annotation?.line], ['infra/modules/gateway/openapi.yaml', 3]);
  assert.match(run.stdout, /runs as gw-planned@gw-host\.iam\.gserviceaccount\.com .*not the service-account input \(gw@gw-host\.iam\.gserviceaccount\.com\)/);
  assert.ok(!run.stdout.includes('PLANTED') && !run.summary.includes('PLANTED') && !JSON.stringify(run.report).includes('PLANTED'), 'no planted secret of the plan is shown');
});

test('a document that is not in the workspace as planned: the place (address, path, line) leads the message', async () => {
  const files = await fixtureFiles();
  files['infra/modules/gateway/openapi.yaml'] = ORDERS.replace('listOrders', 'listAllOrders');
  const run = await runAction({ inputs: { 'terraform-plan': 'infra/tfplan.json', project: 'shop-prod' }, files, world: WORLD });
  assert.equal(run.code, 1, why(run));
  const file = 'module.gateway.google_api_gateway_api_config.shop/openapi.yaml';
  assert.deepEqual(run.report?.specFiles, [file]);
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);
  const errors = run.annotations.filter((a) => a.level === 'error');
  assert.ok(errors.length > 0 && errors.every((a) => a.file === undefined && a.message.startsWith(`${file}:3: `)), JSON.stringify(errors));
});

test('the config names its account: it wins over the input; a public backend in a planned document fails', async () => {
  const json = plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }, { path: 'status.yaml', text: STATUS }], serviceAccount: 'projects/gw-host/serviceAccounts/112233445566778899001' })]);
  const run = await runAction({
    inputs: { 'terraform-plan': 'tfplan.json', project: 'shop-prod', 'service-account': 'someone-else@gw-host.iam.gserviceaccount.com' },
    files: { 'tfplan.json': JSON.stringify(json), 'openapi.yaml': ORDERS },
    world: WORLD,
  });
  assert.equal(run.code, 1, why(run));
  assert.equal(run.report?.serviceAccount, 'gw@gw-host.iam.gserviceaccount.com');
  assert.deepEqual(rulesOf(run), ['missing-invoker:error', 'public-access:error']);
  assert.ok(run.report!.findings.every((f) => f.file === 'google_api_gateway_api_config.shop/status.yaml'));
  assert.deepEqual(run.report?.specFiles, ['openapi.yaml', 'google_api_gateway_api_config.shop/status.yaml']);
  assert.equal(run.report?.backends.length, 2);
});

test('without gateway_config the default Compute Engine account is checked; a plan without a config is an error', async () => {
  const run = await runAction({
    inputs: { 'terraform-plan': 'tfplan.json', project: 'shop-prod' },
    files: { 'tfplan.json': JSON.stringify(plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }] })])) },
    world: WORLD,
  });
  assert.equal(run.report?.serviceAccount, '210987654321-compute@developer.gserviceaccount.com', why(run));
  assert.deepEqual(rulesOf(run), ['missing-invoker:error']);

  const empty = await runAction({ inputs: { 'terraform-plan': 'tfplan.json' }, files: { 'tfplan.json': JSON.stringify(plan([])) }, world: WORLD });
  assert.equal(empty.code, 1, why(empty));
  assert.deepEqual(rulesOf(empty), ['invalid-spec:error']);
  assert.match(empty.report!.findings[0]!.message, /No google_api_gateway_api_config in the plan/);
});

test('a file that is not a plan fails closed with invalid-plan and no stack trace', async () => {
  const run = await runAction({ inputs: { 'terraform-plan': 'tfplan.json' }, files: { 'tfplan.json': 'Terraform will perform the following actions:\n' }, world: WORLD });
  assert.equal(run.code, 1, why(run));
  assert.deepEqual(rulesOf(run), ['invalid-plan:error']);
  assert.match(run.report!.findings[0]!.message, /Terraform plan tfplan\.json: not valid JSON: a value was expected at line 1, column 1/);
  assert.ok(!/\n\s+at .*\.js:\d+/.test(run.stdout + run.stderr), 'no stack trace');
});

test('the CLI: --terraform-plan alone checks the planned config (JSON report), notes the account on stderr', async () => {
  const fake = await startFakeGoogle(WORLD);
  try {
    const json = plan([apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' })]);
    const run = await runCli(['check', '--terraform-plan', 'tfplan.json', '-p', 'shop-prod', '-f', 'json', '-s', 'other@gw-host.iam.gserviceaccount.com'], {
      files: { 'tfplan.json': JSON.stringify(json), 'openapi.yaml': ORDERS },
      emulatorHost: fake.host,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as { result: string; serviceAccount: string; specFiles: string[]; backends: Array<{ status: string }> };
    assert.equal(report.serviceAccount, 'gw@gw-host.iam.gserviceaccount.com');
    assert.deepEqual(report.specFiles, ['openapi.yaml']);
    assert.deepEqual(report.backends.map((b) => b.status), ['pass']);
    assert.match(run.stderr, /note: google_api_gateway_api_config\.shop \(create\) in tfplan\.json runs as gw@gw-host\.iam\.gserviceaccount\.com/);
  } finally {
    await fake.close();
  }
});

test('hostile plans through the action: nesting beyond the bound, and a 40 MB string, give a verdict and no leak', async () => {
  const secret = 'PLANTED-e2e-hostile-6b0e';
  const deep = `{"format_version":"1.2","resource_changes":[{"type":"null_resource","change":${'['.repeat(50_000)}${']'.repeat(50_000)}}]}`;
  const nested = await runAction({ inputs: { 'terraform-plan': 'tfplan.json' }, files: { 'tfplan.json': deep }, world: WORLD });
  assert.equal(nested.code, 1, why(nested));
  assert.deepEqual(rulesOf(nested), ['invalid-plan:error']);
  assert.match(nested.report!.findings[0]!.message, /nested deeper than 4096 levels/);

  const huge = plan(
    [
      { address: 'google_secret_manager_secret_version.big', mode: 'managed', type: 'google_secret_manager_secret_version', name: 'big', change: { actions: ['create'], before: null, after: { secret_data: secret.repeat(1_600_000) } } },
      apiConfig({ documents: [{ path: 'openapi.yaml', text: ORDERS }], serviceAccount: 'gw@gw-host.iam.gserviceaccount.com' }),
    ],
    undefined,
    { variables: { token: { value: secret } } },
  );
  const run = await runAction({ inputs: { 'terraform-plan': 'tfplan.json', project: 'shop-prod' }, files: { 'tfplan.json': JSON.stringify(huge) }, world: WORLD });
  assert.equal(run.code, 0, why(run));
  assert.equal(run.outputs.result, 'pass');
  assert.ok(![run.stdout, run.stderr, run.summary, JSON.stringify(run.report)].some((text) => text.includes(secret)));
});

test('a document known only after apply: an error annotated on the config block in the module', async () => {
  const files = await fixtureFiles();
  const json = JSON.parse(files['infra/tfplan.json']!) as { resource_changes: Array<{ type: string; change: { after: { openapi_documents: Array<{ document: Array<Record<string, unknown>> }> }; after_unknown: { openapi_documents: Array<{ document: Array<Record<string, unknown>> }> } } }> };
  const config = json.resource_changes.find((c) => c.type === 'google_api_gateway_api_config')!;
  delete config.change.after.openapi_documents[0]!.document[0]!.contents;
  config.change.after_unknown.openapi_documents[0]!.document[0]!.contents = true;
  files['infra/tfplan.json'] = JSON.stringify(json);
  const run = await runAction({ inputs: { 'terraform-plan': 'infra/tfplan.json', project: 'shop-prod' }, files, world: WORLD });
  assert.equal(run.code, 1, why(run));
  assert.deepEqual(rulesOf(run), ['invalid-spec:error']);
  const annotation = run.annotations.find((a) => a.level === 'error');
  assert.deepEqual([annotation?.file, annotation?.line], ['infra/modules/gateway/main.tf', 4]);
  assert.match(annotation!.message, /"openapi\.yaml" of module\.gateway\.google_api_gateway_api_config\.shop \(create\) in infra\/tfplan\.json are known only after apply/);
});
